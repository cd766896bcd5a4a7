import type { ChatType } from '../../domain/group';
import type { MemberFact } from '../../domain/members';
import { LineApiError, NotAMemberError, NotAvailableError } from '../errors';
import type { MemberKey, PeopleApi } from '../ports';
import { applyFriendshipFacts, type FriendshipDeps } from './record-friendships';
import { recordMemberFacts, type PeopleToRead } from './record-members';

export interface PeopleReadDeps extends FriendshipDeps {
  line: PeopleApi;
  /** How long one read may wait for LINE. */
  timeoutMs: number;
  /** Until when LINE refused to list members (a 403: not a verified or premium account). */
  memberListing?: { refusedUntil?: number };
}

/** A refusal of the member list is remembered this long: an account's plan rarely changes. */
const LISTING_REFUSED_MS = 86_400_000;

export interface PeopleReadOutcome {
  names: number;
  friendships: number;
  /** Reads that failed and wait for the sweep. */
  retrying: number;
}

/** A group (`C…`) or a room (`R…`): LINE's ids say which. */
export const chatTypeOf = (groupId: string): ChatType => (groupId.startsWith('R') ? 'room' : 'group');
const RETRY_MS = 10 * 60_000;

/**
 * What LINE says about the people recording found: each new member's display name (from the
 * group-member profile: friend or not) and whether a user never seen to follow or unfollow is a
 * friend (the profile API: 200 a friend, 404 not). After the batch, never before the webhook's
 * answer; what fails waits for the sweep (the name with back-off, the check until it answers).
 */
export async function readPeople(toRead: PeopleToRead, deps: PeopleReadDeps): Promise<PeopleReadOutcome> {
  const outcome: PeopleReadOutcome = { names: 0, friendships: 0, retrying: 0 };
  await Promise.all([
    ...toRead.names.map(async (key) => {
      outcome[(await readName(key, deps)) ? 'names' : 'retrying'] += 1;
    }),
    ...[...new Set(toRead.friendships)].map(async (userId) => {
      outcome[(await checkFriendship(userId, deps)) ? 'friendships' : 'retrying'] += 1;
    }),
  ]);
  return outcome;
}

/** The sweep (the enricher's schedule): the names and friendship checks that are due. */
export async function readPeopleDue(deps: PeopleReadDeps, limit = 100): Promise<PeopleReadOutcome> {
  const now = deps.clock.now();
  const [names, friendships] = await Promise.all([
    deps.members.namesDue(now, limit),
    deps.friendships.due(now, limit),
  ]);
  return readPeople({ names, friendships }, deps);
}

async function readName(key: MemberKey, deps: PeopleReadDeps): Promise<boolean> {
  const at = deps.clock.now();
  try {
    const { displayName } = await withTimeout(
      deps.line.memberProfile(chatTypeOf(key.groupId), key.groupId, key.userId),
      deps.timeoutMs,
    );
    await deps.members.setName(key, displayName, at);
    // This process keeps what it knows of the member: tomorrow's first message needs no read again.
    const cached = deps.memberCache.get(key.groupId, key.userId);
    if (cached)
      deps.memberCache.set({
        ...cached,
        member: { ...cached.member, displayName, displayNameAt: at.toISOString() },
      });
    return true;
  } catch (error) {
    if (error instanceof NotAMemberError) {
      // LINE says they are not in the chat (any more): an absence, observed now.
      await recordMemberFacts(
        key.groupId,
        [{ userId: key.userId, at: at.toISOString(), kind: 'absent', source: 'sync' }],
        deps,
      );
      await deps.members.nameFailed(key, undefined);
      return true;
    }
    deps.telemetry.count('peopleReadFailures');
    await deps.members.nameFailed(key, new Date(at.getTime() + retryAfter(error)));
    return false;
  }
}

async function checkFriendship(userId: string, deps: PeopleReadDeps): Promise<boolean> {
  const at = deps.clock.now();
  try {
    const isFriend = await withTimeout(deps.line.isFriend(userId), deps.timeoutMs);
    await applyFriendshipFacts(userId, [{ kind: 'checked', at: at.toISOString(), isFriend }], deps);
    return true;
  } catch (error) {
    deps.telemetry.count('peopleReadFailures');
    const [stored] = await deps.friendships.getMany([userId]);
    await deps.friendships.put(
      stored?.friendship ?? { userId },
      stored?.version,
      new Date(at.getTime() + retryAfter(error)),
    );
    return false;
  }
}

/** LINE's Retry-After when it gave one (a 429), else a few minutes. */
const retryAfter = (error: unknown) =>
  error instanceof LineApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : RETRY_MS;

/**
 * LINE's list of the chat's members, where the account may have it (verified or premium): each
 * listed member present now, each member we took for present but not listed absent now. A 403
 * means events-only mode: nothing is said or logged beyond a debug line; false is returned.
 */
export async function syncMembers(groupId: string, deps: PeopleReadDeps): Promise<boolean> {
  const now = deps.clock.now();
  const at = now.toISOString();
  if ((deps.memberListing?.refusedUntil ?? 0) > now.getTime()) return false;
  const listed = new Set<string>();
  try {
    // Each page within the lookup timeout: a slow LINE never holds the batch's after-work long.
    const pages = deps.line.memberIds(chatTypeOf(groupId), groupId)[Symbol.asyncIterator]();
    for (
      let page = await withTimeout(pages.next(), deps.timeoutMs);
      !page.done;
      page = await withTimeout(pages.next(), deps.timeoutMs)
    ) {
      for (const id of page.value) listed.add(id);
    }
  } catch (error) {
    if (error instanceof NotAvailableError) {
      if (deps.memberListing) deps.memberListing.refusedUntil = now.getTime() + LISTING_REFUSED_MS;
      deps.log.debug('members/ids is for verified and premium accounts: events only', { groupId });
      return false;
    }
    if (error instanceof NotAMemberError) return false;
    throw error;
  }
  const known = await deps.members.ofChat(groupId);
  const facts: MemberFact[] = [
    ...[...listed].map((userId) => ({ userId, at, kind: 'present' as const, source: 'sync' as const })),
    ...known
      .filter((m) => m.member.status === 'present' && !listed.has(m.member.userId))
      .map((m) => ({ userId: m.member.userId, at, kind: 'absent' as const, source: 'sync' as const })),
  ];
  const toRead = await recordMemberFacts(groupId, facts, deps);
  await readPeople(toRead, deps);
  return true;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
