/**
 * Whether a user is a friend of the OA: a broadcast reaches friends only, never a group. Learnt
 * from `follow`/`unfollow` (1:1 chats), and for a user never seen in either, from LINE's profile
 * API after the fact (200: a friend; 404: not a friend, blocked, or never consented), checked again
 * every few days. The latest fact wins, whatever order they came in; an unfollow wins a tie.
 */
export interface Friendship {
  userId: string;
  /** undefined: not known yet (never followed or unfollowed, not checked yet). */
  isFriend?: boolean;
  /** When that became true (the fact's time: LINE's event time, or our clock for a check). */
  friendSince?: string;
  followedAt?: string;
  unfollowedAt?: string;
  /** The latest profile check, and what it said. */
  checkedAt?: string;
  checkedFriend?: boolean;
}

export type FriendshipFact =
  { kind: 'follow' | 'unfollow'; at: string } | { kind: 'checked'; at: string; isFriend: boolean };

const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);

export function applyFriendshipFact(
  friendship: Friendship | undefined,
  userId: string,
  fact: FriendshipFact,
): Friendship {
  const next: Friendship = { ...(friendship ?? { userId }) };
  switch (fact.kind) {
    case 'follow':
      next.followedAt = later(next.followedAt, fact.at);
      break;
    case 'unfollow':
      next.unfollowedAt = later(next.unfollowedAt, fact.at);
      break;
    case 'checked':
      if (next.checkedAt === undefined || fact.at > next.checkedAt) {
        next.checkedAt = fact.at;
        next.checkedFriend = fact.isFriend;
      }
      break;
  }
  return derive(next);
}

/** isFriend from the latest of the facts: unfollow, follow, check (that order breaks ties). */
function derive(f: Friendship): Friendship {
  const facts: [string | undefined, boolean][] = [
    [f.unfollowedAt, false],
    [f.followedAt, true],
    [f.checkedAt, f.checkedFriend ?? false],
  ];
  let latest: [string, boolean] | undefined;
  for (const [at, friend] of facts)
    if (at !== undefined && (latest === undefined || at > latest[0])) latest = [at, friend];
  const next = { ...f };
  delete next.isFriend;
  delete next.friendSince;
  if (latest) {
    next.isFriend = latest[1];
    if (latest[1]) next.friendSince = latest[0];
  }
  return next;
}

/** The time of the latest fact about a friendship (a follow, an unfollow, a check). */
export function latestFactAt(friendship: Friendship): string | undefined {
  return [friendship.followedAt, friendship.unfollowedAt, friendship.checkedAt]
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
}
