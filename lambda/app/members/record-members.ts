import type { ChatEvent } from '../../domain/events';
import { applyMemberFact, type Member, type MemberFact, memberFacts } from '../../domain/members';
import { type ChatReach, countedAs, reachOf } from '../../domain/reach';
import { ConcurrentUpdateError, ReachChangedError } from '../errors';
import type {
  Clock,
  FriendshipStore,
  Log,
  MemberKey,
  MemberStore,
  StoredFriendship,
  StoredMember,
  Telemetry,
} from '../ports';
import type { MemberCache } from './member-cache';

export interface MembersDeps {
  members: MemberStore;
  friendships: FriendshipStore;
  memberCache: MemberCache;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
}

/** What recording leaves to read from LINE afterwards: names owed, friendships never checked. */
export interface PeopleToRead {
  names: MemberKey[];
  friendships: string[];
}

const MAX_ATTEMPTS = 8;
const DAY_MS = 86_400_000;
const NOT_COUNTED = { present: false, friend: false };
/** Members per transaction: each, the chat's reach, and a friendship check each (DynamoDB: 100). */
const MEMBERS_PER_SAVE = 40;

/** The facts a reader sees; anything else (the name, bookkeeping) does not make a write. */
const sameFacts = (a: Member, b: Member) =>
  a.status === b.status &&
  a.firstSeenAt === b.firstSeenAt &&
  a.lastSeenAt === b.lastSeenAt &&
  a.presentAt === b.presentAt &&
  a.absentAt === b.absentAt &&
  a.source === b.source;

/**
 * Records who joined, left and spoke, after the registry recorded the same events. A member's
 * facts are maxima and minima (any order ends the same) and what they count for in the chat's
 * reach moves in the same transaction as they do, so counts stay exact under redelivery and
 * concurrency. A known member speaking again the same day changes nothing and writes nothing.
 */
export async function recordMembers(events: ChatEvent[], deps: MembersDeps): Promise<PeopleToRead> {
  const byChat = new Map<string, Map<string, MemberFact[]>>();
  for (const event of events) {
    for (const fact of memberFacts(event)) {
      const chat = byChat.get(event.groupId) ?? new Map<string, MemberFact[]>();
      chat.set(fact.userId, [...(chat.get(fact.userId) ?? []), fact]);
      byChat.set(event.groupId, chat);
    }
  }
  const toRead: PeopleToRead = { names: [], friendships: [] };
  await Promise.all(
    [...byChat].map(async ([groupId, facts]) => {
      const read = await recordChatMembers(groupId, facts, deps);
      toRead.names.push(...read.names);
      toRead.friendships.push(...read.friendships);
    }),
  );
  return toRead;
}

/** Facts about one chat's members from elsewhere than a webhook: a sync, LINE's 404 to a read. */
export async function recordMemberFacts(
  groupId: string,
  facts: MemberFact[],
  deps: MembersDeps,
): Promise<PeopleToRead> {
  const byUser = new Map<string, MemberFact[]>();
  for (const fact of facts) byUser.set(fact.userId, [...(byUser.get(fact.userId) ?? []), fact]);
  return byUser.size === 0 ? { names: [], friendships: [] } : recordChatMembers(groupId, byUser, deps);
}

async function recordChatMembers(
  groupId: string,
  facts: Map<string, MemberFact[]>,
  deps: MembersDeps,
): Promise<PeopleToRead> {
  const toRead: PeopleToRead = { names: [], friendships: [] };
  const users = [...facts.keys()];
  for (let i = 0; i < users.length; i += MEMBERS_PER_SAVE) {
    const read = await recordSomeMembers(groupId, users.slice(i, i + MEMBERS_PER_SAVE), facts, deps);
    toRead.names.push(...read.names);
    toRead.friendships.push(...read.friendships);
  }
  return toRead;
}

async function recordSomeMembers(
  groupId: string,
  users: string[],
  facts: Map<string, MemberFact[]>,
  deps: MembersDeps,
): Promise<PeopleToRead> {
  /** What the last attempt read, when only the reach refused its write (the rest still holds). */
  let kept: { stored: Map<string, StoredMember>; friendships: StoredFriendship[] } | undefined;
  for (let attempt = 1; ; attempt++) {
    const stored = kept?.stored ?? new Map<string, StoredMember>();
    const missing: MemberKey[] = [];
    for (const userId of kept ? [] : users) {
      const cached = attempt === 1 ? deps.memberCache.get(groupId, userId) : undefined;
      if (cached) stored.set(userId, cached);
      else missing.push({ groupId, userId });
    }
    for (const found of missing.length > 0 ? await deps.members.getMany(missing) : []) {
      stored.set(found.member.userId, found);
    }
    const changes = users.flatMap((userId) => {
      const before = stored.get(userId);
      const next = (facts.get(userId) ?? []).reduce<Member | undefined>(
        (m, f) => applyMemberFact(m, groupId, f),
        before?.member,
      );
      return !next || (before && sameFacts(before.member, next)) ? [] : [{ before, next }];
    });
    if (changes.length === 0) return { names: [], friendships: [] };
    const now = deps.clock.now();
    // A new member's name is owed (kept owed in the table until read, so a crash loses nothing);
    // a known one's is read again, after the batch, when seen on a later day than it was read:
    // that read costs one write, and owes nothing until it fails.
    const nameOwed = (c: (typeof changes)[number]) => !c.before;
    const nameStale = (c: (typeof changes)[number]) =>
      c.before !== undefined &&
      c.next.lastSeenAt !== c.before.member.lastSeenAt &&
      (c.next.displayNameAt === undefined || now.getTime() - Date.parse(c.next.displayNameAt) >= DAY_MS);
    // Joined, left or new: what the member counts for in the chat's reach moves with it.
    const counting = changes.filter((c) => !c.before || c.before.member.status !== c.next.status);
    let friendships: StoredFriendship[] = [];
    try {
      friendships =
        kept?.friendships ??
        (counting.length > 0 ? await deps.friendships.getMany(counting.map((c) => c.next.userId)) : []);
      kept = undefined;
      // What the friendship check after the batch starts from, without reading it again.
      for (const c of counting) deps.memberCache.setFriendship(c.next.userId, null);
      for (const f of friendships) deps.memberCache.setFriendship(f.friendship.userId, f);
      const isFriend = new Map(friendships.map((f) => [f.friendship.userId, f.friendship.isFriend]));
      const counted = changes.map((c) =>
        counting.includes(c)
          ? countedAs(c.next.status === 'present', isFriend.get(c.next.userId))
          : (c.before?.counted ?? NOT_COUNTED),
      );
      const current =
        counting.length > 0
          ? ((attempt === 1 ? deps.memberCache.reach(groupId) : undefined) ??
            (await deps.members.reach(groupId)))
          : undefined;
      let reach: ChatReach | undefined;
      if (counting.length > 0) {
        const next: ChatReach = {
          ...(current?.reach ?? { groupId, knownMembers: 0, friends: 0, active: true }),
        };
        changes.forEach((c, i) => {
          const was = c.before?.counted ?? NOT_COUNTED;
          next.knownMembers += Number(counted[i]?.present) - Number(was.present);
          next.friends += Number(counted[i]?.friend) - Number(was.friend);
        });
        const share = reachOf(next.friends, next.memberCount);
        if (share === undefined) delete next.reach;
        else next.reach = share;
        reach = next;
      }
      await deps.members.save(
        changes.map((c, i) => ({
          member: c.next,
          counted: counted[i] ?? NOT_COUNTED,
          expectedVersion: c.before?.version,
          nameDue: nameOwed(c),
        })),
        reach && {
          reach,
          expectedVersion: current?.version,
          friendships: counting.map((c) => ({
            userId: c.next.userId,
            isFriend: isFriend.get(c.next.userId),
          })),
        },
      );
      changes.forEach((c, i) =>
        deps.memberCache.set({
          member: c.next,
          counted: counted[i] ?? NOT_COUNTED,
          version: (c.before?.version ?? 0) + 1,
        }),
      );
      if (reach) deps.memberCache.setReach({ reach, version: (current?.version ?? 0) + 1 });
      const known = new Set(
        friendships.filter((f) => f.friendship.isFriend !== undefined).map((f) => f.friendship.userId),
      );
      return {
        names: changes
          .filter((c) => nameOwed(c) || nameStale(c))
          .map((c) => ({ groupId, userId: c.next.userId })),
        // Someone we never heard follow or unfollow, never checked: LINE's profile API tells.
        friendships: changes.filter((c) => !c.before && !known.has(c.next.userId)).map((c) => c.next.userId),
      };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
      deps.memberCache.forgetReach(groupId);
      if (error instanceof ReachChangedError) {
        kept = { stored, friendships };
        continue; // no back-off: the reach is read again at once, and only it
      }
      for (const userId of users) deps.memberCache.forget(groupId, userId);
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
