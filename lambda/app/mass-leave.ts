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
  GroupEventRecord,
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

/** Chats re-marked per transaction (two items each: the chat and its `massLeave` record). */
const MARK_BATCH = 50;
/** Transactions in flight at once while re-marking a large burst. */
const MARK_CONCURRENCY = 4;
/** How long a re-marking keeps others off; a large burst takes seconds, not minutes. */
const RECLASSIFY_LEASE_MS = 120_000;

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
 * After a removal was committed (the outbox runs this, again after a crash): if a burst it counts
 * in is (now) a mass leave, it is marked once (a conditional write), announced once per act (the
 * metric first, published at once, so a timeout later cannot lose the alarm), and all its chats
 * are re-marked `mass_leave` by whoever takes the job; anyone else marks just their own chat.
 * Every step is idempotent, so running this again after any failure finishes the work once.
 */
export async function afterRemoval(
  groupId: string,
  bursts: NonNullable<RegistryChange['bursts']>,
  deps: MassLeaveDeps,
): Promise<void> {
  for (const { burstId } of bursts) {
    let burst = await deps.stats.burst(burstId);
    if (!burst) continue;
    if (!burst.massLeaveAt) {
      if (!isMassLeave(burst, deps.massLeave)) continue;
      await deps.stats.markMassLeave(burst, deps.clock.now());
      burst = await deps.stats.burst(burstId);
      if (!burst?.massLeaveAt) continue;
    }
    if (
      burst.startsAct &&
      !burst.announcedAt &&
      (await deps.stats.announceMassLeave(burst, deps.clock.now()))
    ) {
      announce(burst, deps);
    }
    if (
      !burst.reclassifiedAt &&
      (await deps.stats.claimReclassification(burst, deps.clock.now(), RECLASSIFY_LEASE_MS))
    ) {
      await reclassify(burst, deps);
      await deps.stats.reclassified(burst, deps.clock.now());
    } else {
      await markChat(groupId, burst.burstId, deps);
    }
  }
}

function announce(burst: LeaveBurst, deps: MassLeaveDeps) {
  deps.telemetry.count('massLeaves');
  deps.telemetry.flush?.();
  deps.log.warn(
    `mass leave: the OA left ${burst.leaves} chats at once (was "allow joining group chats" turned off?); npm run groups -- reinvite`,
    {
      burstId: burst.burstId,
      chats: burst.leaves,
      activeBefore: burst.activeAtStart,
      windowStart: burst.windowStart,
      windowEnd: burst.windowEnd,
    },
  );
}

/** Every removal of the burst becomes `mass_leave`, 50 chats a transaction, a few at once. */
async function reclassify(burst: LeaveBurst, deps: MassLeaveDeps): Promise<void> {
  const deadline = Date.now() + (deps.indexWaitMs ?? 10_000);
  let ids: string[];
  // The index lags the table: every removal counted in the burst committed before it was marked.
  for (;;) {
    ids = [];
    for await (const page of deps.directory.pagesByStatus('left', { since: burst.windowStart })) {
      for (const g of page) {
        if (
          g.statusChangedAt < burst.windowEnd &&
          (g.leaveReason === 'removed' || g.leaveReason === 'mass_leave')
        )
          ids.push(g.groupId);
      }
    }
    if (ids.length >= burst.leaves || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += MARK_BATCH) batches.push(ids.slice(i, i + MARK_BATCH));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift())
      await markChats(batch, burst.burstId, deps);
  };
  await Promise.all(Array.from({ length: MARK_CONCURRENCY }, worker));
}

/** The `massLeave` record of one chat's leave. */
function massLeaveRecord(group: Group, burstId: string, at: Date): GroupEventRecord {
  const leftAt = group.leftAt ?? group.statusChangedAt;
  return {
    groupId: group.groupId,
    eventKey: `${leftAt}#massLeave`,
    webhookEventId: burstId,
    eventType: 'massLeave',
    eventAt: leftAt,
    isRedelivery: false,
    mode: 'active',
    decision: 'left',
    status: 'left',
    leaveReason: 'mass_leave',
    recordedAt: at.toISOString(),
  };
}

/** The chats' removals recorded as part of the burst in one transaction; one by one if any moved. */
async function markChats(groupIds: string[], burstId: string, deps: MassLeaveDeps): Promise<void> {
  const saves = (await deps.registry.loadMany(groupIds)).flatMap(({ group, version }) => {
    if (group.status !== 'left' || group.leaveReason === 'mass_leave') return [];
    const next = markMassLeave(group, burstId, deps.policy);
    if (next.leaveReason !== 'mass_leave') return [];
    return [
      { group: next, expectedVersion: version, event: massLeaveRecord(group, burstId, deps.clock.now()) },
    ];
  });
  if (saves.length === 0) return;
  try {
    await deps.registry.saveMany(saves);
  } catch (error) {
    if (!(error instanceof ConcurrentUpdateError || error instanceof DuplicateEventsError)) throw error;
    for (const { group } of saves) await markChat(group.groupId, burstId, deps);
  }
}

/**
 * One chat's removal, recorded as part of the burst (with an event record naming it). A chat still
 * changing after every attempt fails the outbox entry, so the sweep marks it later: never dropped.
 */
async function markChat(groupId: string, burstId: string, deps: MassLeaveDeps): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.registry.load(groupId);
    if (!stored || stored.group.status !== 'left' || stored.group.leftAt === undefined) return;
    const next = markMassLeave(stored.group, burstId, deps.policy);
    if (next.leaveReason !== 'mass_leave' || stored.group.leaveReason === 'mass_leave') return;
    try {
      await deps.registry.save(next, stored.version, [
        massLeaveRecord(stored.group, burstId, deps.clock.now()),
      ]);
      return;
    } catch (error) {
      if (error instanceof DuplicateEventsError) return;
      if (!(error instanceof ConcurrentUpdateError) || attempt >= 8) throw error;
    }
  }
}
