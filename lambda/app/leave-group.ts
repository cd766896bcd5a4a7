import type { Group } from '../domain/group';
import { type LifecyclePolicy, requestLeave } from '../domain/lifecycle';
import { ConcurrentUpdateError } from './errors';
import type { ChatLeaver, GroupRegistry } from './ports';

/**
 * An operator makes the OA leave a chat. The request is recorded first, so the `leave` webhook
 * LINE sends next is classified `left_by_operator` rather than read as a removal or an ejection.
 */
export async function leaveGroup(
  groupId: string,
  deps: {
    registry: Pick<GroupRegistry, 'load' | 'save'>;
    line: ChatLeaver;
    policy: LifecyclePolicy;
    now: () => Date;
  },
): Promise<Group> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.registry.load(groupId);
    if (!stored) throw new Error(`no chat ${groupId} in the groups table`);
    const group = requestLeave(stored.group, deps.now().toISOString(), deps.policy);
    try {
      await deps.registry.save(group, stored.version, []);
      await deps.line.leave(group.chatType, groupId);
      return group;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= 5) throw error;
    }
  }
}
