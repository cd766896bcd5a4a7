import { createCoupon } from '../../lambda/app/manage-coupons';
import type { Group } from '../../lambda/domain/group';
import { newGroupId } from '../../lib/local/simulator/webhook-events';
import type { Harness } from './webhook-harness';

/**
 * Active groups written straight to the registry (a campaign reads them through byStatus), and
 * known to the emulator with the same size.
 */
export async function seedActiveGroups(
  h: Harness,
  n: number,
  options: { memberCount?: number; joinedAt?: Date } = {},
): Promise<string[]> {
  const memberCount = options.memberCount ?? 3;
  const at = (options.joinedAt ?? new Date()).toISOString();
  const ids = Array.from({ length: n }, () => newGroupId());
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(
      ids.slice(i, i + 25).map((groupId) => {
        h.line.state.chats.set(groupId, {
          chatType: 'group',
          groupName: groupId,
          memberCount,
          isMember: true,
        });
        const group: Group = {
          groupId,
          chatType: 'group',
          firstSeenAt: at,
          joinedAt: at,
          joinCount: 1,
          status: 'active',
          statusChangedAt: at,
          memberCount,
        };
        return h.registry.save(group, undefined, []);
      }),
    );
  }
  return ids;
}

/** A coupon running now in the emulator: the only kind LINE lets a push carry. */
export async function runningCoupon(h: Harness): Promise<string> {
  const { couponId } = await createCoupon(
    {
      title: '秋の感謝祭 20%OFF',
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 86_400_000),
      reward: { type: 'discount', percentage: 20 },
    },
    h.couponDeps,
  );
  return couponId;
}

/** The emulator's monthly quota, changed as a plan upgrade would (PUT /emulator/quota). */
export async function setMonthlyQuota(h: Harness, monthly: number): Promise<{ consumed: number }> {
  const response = await fetch(`${h.line.url}/emulator/quota`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ monthly }),
  });
  if (!response.ok) throw new Error(`PUT /emulator/quota: ${response.status}`);
  return (await response.json()) as { consumed: number };
}
