import type { Group } from '../domain/group';
import { type LifecyclePolicy, markMassLeave } from '../domain/lifecycle';
import {
  burstsOf,
  countsTowardBurst,
  isMassLeave,
  type LeaveBurst,
  type MassLeavePolicy,
} from '../domain/mass-leave';
import { ConcurrentUpdateError, DuplicateEventsError } from './errors';
import type {
  Clock,
  GroupDirectory,
  GroupRegistry,
  Log,
  RegistryChange,
  RegistryStats,
  Telemetry,
} from './ports';

export interface MassLeaveDeps {
  registry: GroupRegistry;
  directory: Pick<GroupDirectory, 'pagesByStatus'>;
  stats: RegistryStats;
  policy: LifecyclePolicy;
  massLeave: MassLeavePolicy;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
  /** How long to wait for the byStatus index to show every chat of a burst (it lags the table). */
  indexWaitMs?: number;
}

/**
 * The bursts a removal counts in, each with the number of chats active now (this one included):
 * the first removal counted in a burst fixes it. Written in the removal's own transaction.
 */
export async function burstsFor(
  before: Group | undefined,
  group: Group,
  deps: Pick<MassLeaveDeps, 'stats' | 'massLeave'>,
): Promise<RegistryChange['bursts']> {
  if (!countsTowardBurst(before, group) || group.leftAt === undefined) return undefined;
  const { active } = await deps.stats.statusCounts();
  return burstsOf(group.leftAt, deps.massLeave).map((b) => ({ ...b, activeAtStart: Math.max(active, 1) }));
}

/**
 * After a removal was saved: if a burst it counts in is (now) a mass leave, the first to see it
 * marks the burst (a conditional write, so once under any concurrency) and reclassifies all its
 * chats; anyone later marks just their own chat. Either way each chat of the burst ends
 * `left / mass_leave`, whatever order the leaves were processed in.
 */
export async function afterRemoval(
  group: Group,
  bursts: NonNullable<RegistryChange['bursts']>,
  deps: MassLeaveDeps,
): Promise<void> {
  for (const { burstId } of bursts) {
    const burst = await deps.stats.burst(burstId);
    if (!burst) continue;
    if (!burst.massLeaveAt) {
      if (!isMassLeave(burst, deps.massLeave)) continue;
      if (await deps.stats.markMassLeave(burst, deps.clock.now())) {
        await reclassify(burst, deps);
        continue;
      }
    }
    await markChat(group.groupId, burst.burstId, deps);
  }
}

/** Every removal of the burst becomes `mass_leave`; one warning and one metric for all of them. */
async function reclassify(burst: LeaveBurst, deps: MassLeaveDeps): Promise<void> {
  const deadline = Date.now() + (deps.indexWaitMs ?? 10_000);
  let chats: Group[];
  // The index lags the table: every removal counted in the burst committed before it was marked.
  for (;;) {
    chats = [];
    for await (const page of deps.directory.pagesByStatus('left', { since: burst.windowStart })) {
      chats.push(
        ...page.filter(
          (g) =>
            g.statusChangedAt < burst.windowEnd &&
            (g.leaveReason === 'removed' || g.leaveReason === 'mass_leave'),
        ),
      );
    }
    if (chats.length >= burst.leaves || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  let marked = 0;
  for (const chat of chats) if (await markChat(chat.groupId, burst.burstId, deps)) marked += 1;
  // Spans overlap: the same act seen through the next span has nothing left to mark.
  if (marked === 0) return;
  deps.telemetry.count('massLeaves');
  deps.log.warn(
    `mass leave: the OA left ${chats.length} chats at once (was "allow joining group chats" turned off?); npm run groups -- reinvite`,
    {
      burstId: burst.burstId,
      chats: chats.length,
      activeBefore: burst.activeAtStart,
      windowStart: burst.windowStart,
      windowEnd: burst.windowEnd,
    },
  );
}

/** One chat's removal, recorded as part of the burst (with an event record naming it); true if this call did. */
async function markChat(groupId: string, burstId: string, deps: MassLeaveDeps): Promise<boolean> {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const stored = await deps.registry.load(groupId);
    if (!stored || stored.group.status !== 'left' || stored.group.leftAt === undefined) return false;
    const next = markMassLeave(stored.group, burstId, deps.policy);
    if (next.leaveReason !== 'mass_leave' || stored.group.leaveReason === 'mass_leave') return false;
    const leftAt = stored.group.leftAt;
    try {
      await deps.registry.save(next, stored.version, [
        {
          groupId,
          eventKey: `${leftAt}#massLeave`,
          webhookEventId: burstId,
          eventType: 'massLeave',
          eventAt: leftAt,
          isRedelivery: false,
          mode: 'active',
          decision: 'left',
          status: 'left',
          leaveReason: 'mass_leave',
          recordedAt: deps.clock.now().toISOString(),
        },
      ]);
      return true;
    } catch (error) {
      if (error instanceof DuplicateEventsError) return false;
      if (!(error instanceof ConcurrentUpdateError)) throw error;
    }
  }
  return false;
}
