import type { FriendshipEvent } from '../../domain/events';
import {
  applyFriendshipFact,
  type Friendship,
  type FriendshipFact,
  latestFactAt,
} from '../../domain/friendships';
import { type ChatReach, countedAs, reachOf } from '../../domain/reach';
import { ConcurrentUpdateError } from '../errors';
import type { StoredFriendship, StoredMember } from '../ports';
import type { MembersDeps } from './record-members';

export interface FriendshipDeps extends MembersDeps {
  /** A friendship is checked with LINE again this long after the latest fact about it. */
  recheckMs: number;
}

const MAX_ATTEMPTS = 8;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));

/** follow and unfollow events (1:1 chats): the friendship, then every chat the user is in. */
export async function recordFriendships(events: FriendshipEvent[], deps: FriendshipDeps): Promise<void> {
  const byUser = new Map<string, FriendshipFact[]>();
  for (const e of events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), { kind: e.type, at: e.at }]);
  await Promise.all([...byUser].map(([userId, facts]) => applyFriendshipFacts(userId, facts, deps)));
}

/**
 * Applies facts to a user's friendship, then makes every chat the user is present in count them
 * as it says. The second step runs every time the friendship is found as the facts leave it, so
 * a process that died between the two is made whole by the retry of the same events. It is
 * skipped only right after this call itself turned "not known" into "not a friend": no chat
 * counted the user as a friend before, none does after (most checks of new members end so).
 */
export async function applyFriendshipFacts(
  userId: string,
  facts: FriendshipFact[],
  deps: FriendshipDeps,
): Promise<void> {
  let friendship: Friendship;
  let countsStay = false;
  const read = async () => (await deps.friendships.getMany([userId]))[0];
  const apply = (stored: StoredFriendship | undefined) =>
    facts.reduce((f, fact) => applyFriendshipFact(f, userId, fact), stored?.friendship ?? { userId });
  const unchanged = (stored: StoredFriendship | undefined, next: Friendship) =>
    stored !== undefined && JSON.stringify(stored.friendship) === JSON.stringify(next);
  for (let attempt = 1; ; attempt++) {
    const cached = attempt === 1 ? deps.memberCache.friendship(userId) : undefined;
    let stored = cached === undefined ? await read() : (cached ?? undefined);
    let next = apply(stored);
    // The cache may lead to a write (conditioned on its version), never to skipping one.
    if (cached !== undefined && unchanged(stored, next)) {
      stored = await read();
      next = apply(stored);
    }
    friendship = next;
    if (unchanged(stored, next)) break;
    try {
      const latest = latestFactAt(next) ?? deps.clock.now().toISOString();
      await deps.friendships.put(next, stored?.version, new Date(Date.parse(latest) + deps.recheckMs));
      deps.memberCache.setFriendship(userId, { friendship: next, version: (stored?.version ?? 0) + 1 });
      countsStay = stored?.friendship.isFriend === undefined && next.isFriend !== true;
      break;
    } catch (error) {
      deps.memberCache.forgetFriendship(userId);
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
  if (countsStay) return;
  try {
    await countFriendship(userId, friendship.isFriend, deps);
  } catch (error) {
    deps.memberCache.forgetFriendship(userId); // the retry starts from the table
    throw error;
  }
}

/** Each chat's member and reach counted by the user's friendship as it is now. */
export async function countFriendship(
  userId: string,
  isFriend: boolean | undefined,
  deps: MembersDeps,
): Promise<void> {
  for (const groupId of await deps.members.chatsOf(userId)) {
    for (let attempt = 1; ; attempt++) {
      const first = attempt === 1;
      const countsAlready = (m: StoredMember) => {
        const c = countedAs(m.member.status === 'present', isFriend);
        return c.friend === m.counted.friend && c.present === m.counted.present;
      };
      // What this process last wrote (recording, just before) may lead to a write, refused if
      // stale; never to skipping one: "counted already" is read from the table.
      const cached = first ? deps.memberCache.get(groupId, userId) : undefined;
      const stored =
        cached && !countsAlready(cached) ? cached : (await deps.members.getMany([{ groupId, userId }]))[0];
      if (!stored || countsAlready(stored)) break;
      const counted = countedAs(stored.member.status === 'present', isFriend);
      const current =
        (first ? deps.memberCache.reach(groupId) : undefined) ?? (await deps.members.reach(groupId));
      const reach: ChatReach = current?.reach ?? { groupId, knownMembers: 0, friends: 0, active: true };
      const friends = reach.friends + Number(counted.friend) - Number(stored.counted.friend);
      const knownMembers = reach.knownMembers + Number(counted.present) - Number(stored.counted.present);
      const next: ChatReach = { ...reach, friends, knownMembers };
      const share = reachOf(friends, reach.memberCount);
      if (share === undefined) delete next.reach;
      else next.reach = share;
      try {
        await deps.members.save([{ member: stored.member, counted, expectedVersion: stored.version }], {
          reach: next,
          expectedVersion: current?.version,
          friendships: [{ userId, isFriend }],
        });
        deps.memberCache.set({ member: stored.member, counted, version: stored.version + 1 });
        deps.memberCache.setReach({ reach: next, version: (current?.version ?? 0) + 1 });
        break;
      } catch (error) {
        deps.memberCache.forget(groupId, userId);
        deps.memberCache.forgetReach(groupId);
        if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
  }
}
