import type { Group } from '../domain/group';
import { type LifecyclePolicy, requestLeave, withdrawLeaveRequest } from '../domain/lifecycle';
import { ConcurrentUpdateError } from './errors';
import type { ChatLeaver, GroupRegistry } from './ports';

export interface LeaveGroupDeps {
  registry: Pick<GroupRegistry, 'load' | 'save'>;
  line: ChatLeaver;
  policy: LifecyclePolicy;
  now: () => Date;
}

/**
 * An operator makes the OA leave a chat. The request is recorded first, so the `leave` webhook
 * LINE sends next is classified `left_by_operator` rather than read as a removal or an ejection;
 * if LINE refuses, the request is withdrawn, so a member removing the OA later is not read as ours.
 */
export async function leaveGroup(groupId: string, deps: LeaveGroupDeps): Promise<Group> {
  const at = deps.now().toISOString();
  const group = await changeChat(groupId, deps, (g) => requestLeave(g, at, deps.policy));
  try {
    await deps.line.leave(group.chatType, groupId);
  } catch (error) {
    // If even this fails, the request still explains only a leave within minutes of it.
    await changeChat(groupId, deps, (g) => withdrawLeaveRequest(g, at, deps.policy)).catch(() => undefined);
    throw error;
  }
  return group;
}

/** Load, change, save; again when another writer changed the chat meanwhile. */
async function changeChat(
  groupId: string,
  deps: Pick<LeaveGroupDeps, 'registry'>,
  change: (group: Group) => Group,
): Promise<Group> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.registry.load(groupId);
    if (!stored) throw new Error(`no chat ${groupId} in the groups table`);
    const group = change(stored.group);
    if (group === stored.group) return group;
    try {
      await deps.registry.save(group, stored.version, []);
      return group;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= 5) throw error;
    }
  }
}
