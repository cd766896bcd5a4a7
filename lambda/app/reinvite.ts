import type { Group } from '../domain/group';
import type { LeaveBurst } from '../domain/mass-leave';
import type { GroupDirectory, RegistryStats } from './ports';

export type ReinviteChat = Pick<
  Group,
  'groupId' | 'chatType' | 'groupName' | 'memberCount' | 'lastActivityAt' | 'leftAt'
>;

/**
 * The chats a mass leave took the OA out of (the latest one, or every one since `since`), the
 * liveliest first: the operator asks their members for a new invitation, the only way back.
 */
export async function chatsToReinvite(
  options: { since?: string },
  deps: {
    directory: Pick<GroupDirectory, 'pagesByStatus' | 'getMany'>;
    stats: Pick<RegistryStats, 'latestMassLeave'>;
  },
): Promise<{ massLeave?: LeaveBurst; chats: ReinviteChat[] }> {
  const massLeave = options.since ? undefined : await deps.stats.latestMassLeave();
  if (!options.since && !massLeave) return { chats: [] };
  const since = options.since ?? massLeave?.windowStart;
  const until = massLeave?.windowEnd;
  const ids: string[] = [];
  for await (const page of deps.directory.pagesByStatus('left', { ...(since && { since }) })) {
    for (const g of page) {
      if (g.leaveReason === 'mass_leave' && (until === undefined || g.statusChangedAt < until))
        ids.push(g.groupId);
    }
  }
  // The index leaves out lastActivityAt (it changes with every message): the chats themselves have it.
  const groups = await deps.directory.getMany(ids);
  const chats = [...groups.values()]
    .map(({ groupId, chatType, groupName, memberCount, lastActivityAt, leftAt }) => ({
      groupId,
      chatType,
      ...(groupName !== undefined && { groupName }),
      ...(memberCount !== undefined && { memberCount }),
      ...(lastActivityAt !== undefined && { lastActivityAt }),
      ...(leftAt !== undefined && { leftAt }),
    }))
    .sort((a, b) => (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? ''));
  return { ...(massLeave && { massLeave }), chats };
}
