import type { FriendshipEvent } from '../../domain/events';
import {
  applyFriendshipFact,
  type Friendship,
  type FriendshipFact,
  latestFactAt,
} from '../../domain/friendships';
import { type ChatReach, countedAs, reachOf } from '../../domain/reach';
import { ConcurrentUpdateError } from '../errors';
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
 * as it says. The second step runs every time, so a process that died between the two is made
 * whole by the retry of the same events.
 */
export async function applyFriendshipFacts(
  userId: string,
  facts: FriendshipFact[],
  deps: FriendshipDeps,
): Promise<void> {
  let friendship: Friendship;
  for (let attempt = 1; ; attempt++) {
    const [stored] = await deps.friendships.getMany([userId]);
    const next = facts.reduce(
      (f, fact) => applyFriendshipFact(f, userId, fact),
      stored?.friendship ?? { userId },
    );
    friendship = next;
    if (stored && JSON.stringify(stored.friendship) === JSON.stringify(next)) break;
    try {
      const latest = latestFactAt(next) ?? deps.clock.now().toISOString();
      await deps.friendships.put(next, stored?.version, new Date(Date.parse(latest) + deps.recheckMs));
      break;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
  await countFriendship(userId, friendship.isFriend, deps);
}

/** Each chat's member and reach counted by the user's friendship as it is now. */
export async function countFriendship(
  userId: string,
  isFriend: boolean | undefined,
  deps: MembersDeps,
): Promise<void> {
  for (const groupId of await deps.members.chatsOf(userId)) {
    for (let attempt = 1; ; attempt++) {
      const [stored] = await deps.members.getMany([{ groupId, userId }]);
      if (!stored) break;
      const counted = countedAs(stored.member.status === 'present', isFriend);
      if (counted.friend === stored.counted.friend && counted.present === stored.counted.present) break;
      const current = await deps.members.reach(groupId);
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
        break;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
        deps.memberCache.forget(groupId, userId);
        await backoff(attempt);
      }
    }
  }
}
