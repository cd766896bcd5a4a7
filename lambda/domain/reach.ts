/**
 * How much of a chat a broadcast reaches. LINE's broadcasts reach friends only, never a group:
 * every present member who is not a friend misses every broadcast. `reach` is friends over LINE's
 * member count; members we do not know (LINE tells us of them only when they act) count as not
 * reached, so it is a floor.
 */
export interface ChatReach {
  groupId: string;
  /** Present members we know of. */
  knownMembers: number;
  /** Present members who are friends of the OA. */
  friends: number;
  /** LINE's count of the chat's members, when read. */
  memberCount?: number;
  /** friends / memberCount, when the count is known. */
  reach?: number;
  /** The chat is active (the OA is in it): only active chats are listed by reach. */
  active: boolean;
  groupName?: string;
  /** The registry version the status, size and name were copied from (newer wins). */
  chatVersion?: number;
}

export const reachOf = (friends: number, memberCount: number | undefined): number | undefined =>
  memberCount === undefined || memberCount <= 0 ? undefined : Math.min(1, friends / memberCount);

/** A member counts as known while present, and as a friend while present and a friend. */
export const countedAs = (present: boolean, isFriend: boolean | undefined) => ({
  present,
  friend: present && isFriend === true,
});
