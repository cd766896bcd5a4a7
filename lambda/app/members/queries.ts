import type { ChatReach } from '../../domain/reach';
import type { FriendshipStore, MemberStore } from '../ports';

/** One member as operators see them (`members list`, the console's group page). */
export interface MemberRow {
  userId: string;
  displayName: string | null;
  status: 'present' | 'left';
  /** true, false, or null: not known yet. */
  isFriend: boolean | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** A chat's members, present ones first, then by when they were last seen, newest first. */
export async function listMembers(
  groupId: string,
  deps: { members: Pick<MemberStore, 'ofChat'>; friendships: Pick<FriendshipStore, 'getMany'> },
): Promise<MemberRow[]> {
  const members = await deps.members.ofChat(groupId);
  const friendships = await deps.friendships.getMany(members.map((m) => m.member.userId));
  const isFriend = new Map(friendships.map((f) => [f.friendship.userId, f.friendship.isFriend]));
  return members
    .map(({ member }) => ({
      userId: member.userId,
      displayName: member.displayName ?? null,
      status: member.status,
      isFriend: isFriend.get(member.userId) ?? null,
      firstSeenAt: member.firstSeenAt,
      lastSeenAt: member.lastSeenAt,
    }))
    .sort((a, b) =>
      a.status === b.status ? b.lastSeenAt.localeCompare(a.lastSeenAt) : a.status === 'present' ? -1 : 1,
    );
}

/** One active chat by reach (`groups reach`): friends over LINE's member count. */
export interface ReachRow {
  groupId: string;
  groupName: string | null;
  memberCount: number | null;
  knownMembers: number;
  friends: number;
  reach: number | null;
}

export const reachRow = (r: ChatReach): ReachRow => ({
  groupId: r.groupId,
  groupName: r.groupName ?? null,
  memberCount: r.memberCount ?? null,
  knownMembers: r.knownMembers,
  friends: r.friends,
  reach: r.reach ?? null,
});

/** Active chats, lowest reach first, through the byReach index. */
export async function chatsByReach(
  options: { below?: number; limit?: number },
  deps: { members: Pick<MemberStore, 'lowestReach'> },
): Promise<ReachRow[]> {
  return (await deps.members.lowestReach(options)).map(reachRow);
}

/** The OA's reach over all active chats: friends in groups over their members (the console's overview). */
export function overallReach(rows: ReachRow[]): { chats: number; below50: number; reach: number | null } {
  const counted = rows.filter((r) => r.memberCount !== null && r.memberCount > 0);
  const members = counted.reduce((n, r) => n + (r.memberCount ?? 0), 0);
  const friends = counted.reduce((n, r) => n + Math.min(r.friends, r.memberCount ?? 0), 0);
  return {
    chats: rows.length,
    below50: rows.filter((r) => r.reach !== null && r.reach < 0.5).length,
    reach: members > 0 ? friends / members : null,
  };
}
