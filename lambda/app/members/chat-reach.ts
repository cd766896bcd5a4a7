import { type ChatReach, reachOf } from '../../domain/reach';
import { ConcurrentUpdateError } from '../errors';
import type { ChatInfo, MemberStore } from '../ports';
import type { MemberCache } from './member-cache';

/**
 * The chat's status, size and name, as the registry has them, copied onto its reach: only active
 * chats are listed by reach, and reach is friends over LINE's member count. Newer registry
 * versions win, so running this again (the outbox does, after a crash) changes nothing.
 */
export async function syncChatReach(
  chat: ChatInfo,
  deps: {
    members: Pick<MemberStore, 'reach' | 'putReach'>;
    /** Told the reach as written, so this process's next member write does not read it again. */
    memberCache?: Pick<MemberCache, 'setReach' | 'forgetReach'>;
  },
): Promise<void> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const current = await deps.members.reach(chat.groupId);
    if (current && (current.reach.chatVersion ?? 0) >= chat.version) return;
    const next: ChatReach = {
      ...(current?.reach ?? { groupId: chat.groupId, knownMembers: 0, friends: 0 }),
      active: chat.status === 'active',
      chatVersion: chat.version,
    };
    if (chat.memberCount !== undefined) next.memberCount = chat.memberCount;
    if (chat.groupName !== undefined) next.groupName = chat.groupName;
    const share = reachOf(next.friends, next.memberCount);
    if (share === undefined) delete next.reach;
    else next.reach = share;
    try {
      await deps.members.putReach(next, current?.version);
      deps.memberCache?.setReach({ reach: next, version: (current?.version ?? 0) + 1 });
      return;
    } catch (error) {
      deps.memberCache?.forgetReach(chat.groupId);
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
}

/** A chat's counts again from its members (after members were deleted: a request, or TTL). */
export async function recountReach(
  groupId: string,
  deps: { members: MemberStore },
): Promise<ChatReach | undefined> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const [current, members] = await Promise.all([deps.members.reach(groupId), deps.members.ofChat(groupId)]);
    if (!current) return undefined;
    const knownMembers = members.filter((m) => m.counted.present).length;
    const friends = members.filter((m) => m.counted.friend).length;
    const next: ChatReach = { ...current.reach, knownMembers, friends };
    const share = reachOf(friends, next.memberCount);
    if (share === undefined) delete next.reach;
    else next.reach = share;
    try {
      await deps.members.putReach(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  return undefined;
}
