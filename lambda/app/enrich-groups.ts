import {
  enrichmentFailed,
  enrichmentSettled,
  type EnrichmentPolicy,
  notMemberAt,
} from '../domain/enrichment';
import type { Observation } from '../domain/events';
import type { Group } from '../domain/group';
import { applyObservation, type LifecyclePolicy } from '../domain/lifecycle';
import { dayCounts } from './day-counts';
import { ConcurrentUpdateError, NotAMemberError } from './errors';
import { chatInfo, outboxEntry, type OutboxDeps, runOutboxEntry, statusReport } from './outbox';
import type { Clock, GroupRegistry, LineLookups, Log, Telemetry } from './ports';
import { statusChange } from './record-chat-events';

export interface EnrichDeps extends OutboxDeps {
  registry: GroupRegistry;
  line: LineLookups;
  policy: LifecyclePolicy;
  enrichment: EnrichmentPolicy;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
}

export interface EnrichOutcome {
  enriched: number;
  /** Reads that failed and wait for their next try. */
  retrying: number;
  abandoned: number;
}

const MAX_SAVE_ATTEMPTS = 8;

/**
 * Reads the chats' names and sizes from LINE and records them. A chat LINE does not answer for
 * keeps its read owed, with back-off, for the next sweep; "not a member" right after the join
 * that asked is an ejection (another official account was there first).
 */
export async function enrichGroups(
  groupIds: string[],
  timeoutMs: number,
  deps: EnrichDeps,
): Promise<EnrichOutcome> {
  const outcome: EnrichOutcome = { enriched: 0, retrying: 0, abandoned: 0 };
  await Promise.all(
    groupIds.map(async (groupId) => {
      const result = await enrichGroup(groupId, timeoutMs, deps);
      if (result) outcome[result] += 1;
    }),
  );
  return outcome;
}

/** The sweep (a schedule on AWS, a timer under `npm start`): every chat whose read is due now. */
export async function enrichDueGroups(
  timeoutMs: number,
  deps: EnrichDeps,
  limit = 100,
): Promise<EnrichOutcome> {
  return enrichGroups(await deps.registry.dueForEnrichment(deps.clock.now(), limit), timeoutMs, deps);
}

async function enrichGroup(
  groupId: string,
  timeoutMs: number,
  deps: EnrichDeps,
): Promise<keyof EnrichOutcome | undefined> {
  const first = await deps.registry.load(groupId);
  if (first?.group.enrichment !== 'due') return undefined;
  // LINE first, then a quick load-apply-save: a slow LINE never holds the chat's optimistic lock.
  const asked = first.group;
  const read = asked.status === 'active' ? await readFromLine(asked, timeoutMs, deps) : undefined;
  for (let attempt = 1; ; attempt++) {
    const stored = attempt === 1 ? first : await deps.registry.load(groupId);
    if (!stored || stored.group.enrichment !== 'due') return undefined;
    const before = stored.group;
    // Left and invited again while LINE was asked: the answer is about the old join. It is still
    // an observation at its time (older than the new join, so it decides nothing about it), and
    // the new join keeps its own read owed.
    const sameJoin =
      before.joinedAt === asked.joinedAt && before.enrichmentForJoinAt === asked.enrichmentForJoinAt;
    let group = before;
    for (const observation of read?.observations ?? []) {
      const at = observation.type === 'notMember' ? notMemberAt(asked, observation.at) : observation.at;
      group = applyObservation(group, { ...observation, at }, deps.policy);
    }
    let result: keyof EnrichOutcome = 'enriched';
    if (!sameJoin && group.status === 'active') {
      result = 'retrying';
    } else if (read?.failed && group.status === 'active') {
      const next = enrichmentFailed(group, deps.clock.now(), deps.enrichment);
      group = next.group;
      result = next.abandoned ? 'abandoned' : 'retrying';
    } else {
      group = enrichmentSettled(group);
    }
    const counted = await dayCounts(before, group, [], deps);
    group = counted.group;
    const entry = outboxEntry(
      groupId,
      `enrichment#${deps.clock.now().toISOString()}`,
      { report: statusReport(before, group), chat: chatInfo(before, group, stored.version + 1) },
      deps.clock.now(),
    );
    try {
      await deps.registry.save(group, stored.version, [], {
        ...statusChange(before, group),
        ...counted.change,
        ...(entry && { outbox: entry }),
      });
      deps.chatCache?.set({ group, version: stored.version + 1 });
    } catch (error) {
      deps.chatCache?.forget(groupId);
      if (error instanceof ConcurrentUpdateError && attempt < MAX_SAVE_ATTEMPTS) continue;
      throw error;
    }
    if (entry) await runOutboxEntry(entry, deps);
    if (result === 'abandoned') {
      deps.telemetry.count('enrichmentsAbandoned');
      deps.log.warn('gave up reading the chat from LINE', {
        groupId,
        since: before.enrichmentSince ?? null,
        attempts: before.enrichmentAttempts ?? 0,
      });
    }
    return result;
  }
}

/** Summary (groups only) and member count, in parallel; what failed other than "not a member". */
async function readFromLine(
  group: Group,
  timeoutMs: number,
  deps: EnrichDeps,
): Promise<{ observations: Observation[]; failed: boolean }> {
  const observedAt = deps.clock.now().toISOString();
  const observations: Observation[] = [];
  let failed = false;
  const attempt = async <T>(what: string, call: () => Promise<T>, use: (value: T) => void) => {
    try {
      use(await withTimeout(call(), timeoutMs));
    } catch (error) {
      if (error instanceof NotAMemberError) {
        if (!observations.some((o) => o.type === 'notMember')) {
          observations.push({ type: 'notMember', at: observedAt });
        }
        return;
      }
      failed = true;
      deps.telemetry.count('lineLookupFailures');
      deps.log.warn(`LINE ${what} lookup failed; will try again`, {
        groupId: group.groupId,
        error: (error as Error).message,
      });
    }
  };
  await Promise.all([
    attempt(
      'summary',
      () => deps.line.getSummary(group.chatType, group.groupId),
      (summary) => summary && observations.push({ type: 'summary', at: observedAt, ...summary }),
    ),
    attempt(
      'member count',
      () => deps.line.getMemberCount(group.chatType, group.groupId),
      (memberCount) => observations.push({ type: 'memberCount', at: observedAt, memberCount }),
    ),
  ]);
  return { observations, failed };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
