import {
  type Campaign,
  type CampaignStatus,
  type CampaignSummary,
  type Delivery,
  pushCost,
  retryKeyFor,
  summarize,
} from '../../domain/campaign';
import type { Group } from '../../domain/group';
import { assertValidMessages, InvalidMessageError } from '../../domain/messages';
import { LineApiError } from '../errors';
import type { CampaignStore, GroupDirectory, Log, MemberStore, PushSender, Telemetry } from '../ports';
import type { RateLimiter } from './rate-limiter';

export interface CampaignDeps {
  registry: Pick<GroupDirectory, 'pagesByStatus' | 'getMany'>;
  /** Chats by reach (the byReach index), for campaigns to chats below a reach. */
  reach?: Pick<MemberStore, 'lowestReach'>;
  store: CampaignStore;
  line: PushSender;
  limiter: RateLimiter;
  log: Log;
  telemetry: Telemetry;
  now: () => Date;
  /** Pushes in flight at once. */
  concurrency: number;
  /**
   * Attempts per group for transient failures (LINE's rate limit and other 429s, 5xx, timeouts)
   * before it counts as failed. The monthly limit is never retried: it pauses the campaign.
   */
  maxAttempts: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The campaign would need more pushes than LINE's monthly quota has left. */
export class QuotaExceededError extends Error {
  constructor(
    readonly needed: number,
    readonly remaining: number,
  ) {
    super(
      `this campaign needs about ${needed} messages (LINE counts a push once per group member) but only ` +
        `${remaining} are left this month; send fewer, raise the plan, or pass --ignore-quota`,
    );
    this.name = 'QuotaExceededError';
  }
}

export interface Plan {
  campaign: Campaign;
  /**
   * Groups still owed it: active ones not yet sent or skipped, and any with an open delivery whose
   * group is no longer active (delivering settles those `skipped`, so a campaign always finishes).
   */
  groupIds: string[];
  /** Messages LINE will count for them. */
  cost: number;
  remainingQuota?: number;
}

type CampaignSpec = Pick<Campaign, 'campaignId' | 'couponId' | 'messages' | 'belowReach'>;

/** What planning finds, before anything is written. */
interface Survey extends Omit<Plan, 'campaign'> {
  existing?: Campaign;
  /** Groups already sent or skipped (a resumed campaign). */
  settled: number;
}

/** JSON with sorted keys: DynamoDB keeps a map's entries, not their order (a Flex card read back). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

function assertSameCampaign(campaign: Campaign, spec: CampaignSpec): void {
  if (
    campaign.couponId !== spec.couponId ||
    campaign.belowReach !== spec.belowReach ||
    canonical(campaign.messages) !== canonical(spec.messages)
  ) {
    throw new Error(`campaign ${spec.campaignId} exists with other messages; pick another --id`);
  }
}

/** A reach target is a share of a chat's members: above 0, at most 1 (every chat). */
export function assertValidReach(share: number): void {
  if (!Number.isFinite(share) || share <= 0 || share > 1)
    throw new InvalidMessageError(
      [{ property: 'belowReach', message: 'must be a share above 0 and at most 1' }],
      'campaign target',
    );
}

/**
 * The chats a campaign goes to, a page at a time: every active one (byStatus), or the active ones
 * whose reach is below its target (byReach, lowest first; chats whose LINE member count is not
 * known yet have no reach and are not listed).
 */
async function* targetedChats(
  spec: Pick<CampaignSpec, 'belowReach'>,
  deps: Pick<CampaignDeps, 'registry' | 'reach'>,
): AsyncIterable<{ groupId: string; memberCount?: number }[]> {
  if (spec.belowReach === undefined) {
    yield* deps.registry.pagesByStatus('active');
    return;
  }
  if (!deps.reach) throw new Error('a campaign by reach needs the members store');
  yield await deps.reach.lowestReach({ below: spec.belowReach });
}

/**
 * Lists the groups still owed this campaign through byStatus and compares their cost with LINE's
 * remaining monthly quota. Writes nothing, so a refusal leaves no campaign behind.
 */
export async function surveyCampaign(
  spec: CampaignSpec,
  options: { ignoreQuota: boolean },
  deps: Pick<CampaignDeps, 'registry' | 'store' | 'line' | 'reach'>,
): Promise<Survey> {
  assertValidMessages(spec.messages, 'campaign messages');
  if (spec.belowReach !== undefined) assertValidReach(spec.belowReach);
  const existing = await deps.store.get(spec.campaignId);
  if (existing) assertSameCampaign(existing, spec);
  const deliveries = existing ? await deps.store.deliveries(spec.campaignId) : [];
  const settled = new Set(
    deliveries.filter((d) => d.status === 'sent' || d.status === 'skipped').map((d) => d.groupId),
  );
  const active = new Set<string>();
  const groupIds: string[] = [];
  let cost = 0;
  for await (const page of targetedChats(spec, deps)) {
    for (const group of page) {
      active.add(group.groupId);
      if (settled.has(group.groupId)) continue;
      groupIds.push(group.groupId);
      cost += pushCost(group.memberCount);
    }
  }
  // A group that failed (or was pending) and then left is no longer listed as active.
  for (const d of deliveries) {
    if (!settled.has(d.groupId) && !active.has(d.groupId)) groupIds.push(d.groupId);
  }
  const remainingQuota = await deps.line.remainingQuota();
  if (remainingQuota !== undefined && cost > remainingQuota && !options.ignoreQuota) {
    throw new QuotaExceededError(cost, remainingQuota);
  }
  return {
    ...(existing && { existing }),
    settled: settled.size,
    groupIds,
    cost,
    ...(remainingQuota !== undefined && { remainingQuota }),
  };
}

/**
 * Creates (or resumes) the campaign once the survey found that its cost fits the remaining
 * monthly quota (or the operator said to ignore it).
 */
export async function planCampaign(
  spec: CampaignSpec,
  options: { ignoreQuota: boolean },
  deps: CampaignDeps,
): Promise<Plan> {
  const { existing, settled, ...plan } = await surveyCampaign(spec, options, deps);
  let campaign = existing;
  if (!campaign) {
    campaign = await deps.store.createOrGet({
      ...spec,
      kind: 'push',
      target: spec.belowReach === undefined ? 'active' : 'belowReach',
      createdAt: deps.now().toISOString(),
      status: 'planned',
    });
    // Another run may have created it with other messages in the meantime.
    assertSameCampaign(campaign, spec);
  }
  await deps.store.update(campaign.campaignId, { plannedGroups: settled + plan.groupIds.length });
  return { campaign, ...plan };
}

/** `paused`: refused for LINE's monthly limit; its delivery stays open for the resume. */
export type Outcome = 'sent' | 'skipped' | 'failed' | 'already-done' | 'retry-later' | 'paused';

export interface Delivered {
  /** LINE's monthly limit stopped the pushes (its words); the rest waits for a resume. */
  pausedForQuota?: string;
}

/** Groups prepared together: their deliveries and statuses are read, and intents written, in batches. */
const PREPARE_BATCH = 500;

/**
 * Pushes the campaign to these groups, at most `concurrency` at a time and within the rate
 * limit; each group exactly once across re-runs, crashes and concurrent workers (deliveries table
 * + a retry key derived from campaign and group, which LINE accepts once). LINE's monthly limit
 * stops every worker at once: only the pushes already in flight are refused.
 */
export async function deliverCampaign(
  campaign: Campaign,
  groupIds: string[],
  deps: CampaignDeps,
  onOutcome: (groupId: string, outcome: Outcome) => void = () => undefined,
): Promise<Delivered> {
  const stop: Stop = {};
  for (let i = 0; i < groupIds.length && !stop.reason; i += PREPARE_BATCH) {
    const ids = groupIds.slice(i, i + PREPARE_BATCH);
    const [deliveries, groups] = await Promise.all([
      deps.store.getMany(campaign.campaignId, ids),
      deps.registry.getMany(ids),
    ]);
    const open: Delivery[] = [];
    for (const groupId of ids) {
      const existing = deliveries.get(groupId);
      if (existing?.status === 'sent' || existing?.status === 'skipped') onOutcome(groupId, 'already-done');
      else open.push(existing ?? intent(campaign.campaignId, groupId, deps.now()));
    }
    await deps.store.putMany(open.filter((d) => !deliveries.has(d.groupId)));
    const sent: Delivery[] = [];
    const flush = async () => deps.store.putMany(sent.splice(0));
    const queue = [...open];
    const worker = async () => {
      for (let d = queue.shift(); d && !stop.reason; d = queue.shift()) {
        const outcome = await deliverToGroup(campaign, d, groups.get(d.groupId), deps, stop);
        if (typeof outcome !== 'string') {
          // Results are written 25 to a request; one lost in a crash is settled by the retry key.
          sent.push(outcome);
          if (sent.length >= 25) await flush();
        }
        onOutcome(d.groupId, typeof outcome === 'string' ? outcome : 'sent');
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, queue.length) }, worker));
    await flush();
  }
  if (!stop.reason) return {};
  deps.log.warn('campaign stopped: LINE monthly limit', {
    campaignId: campaign.campaignId,
    reason: stop.reason,
  });
  return { pausedForQuota: stop.reason };
}

/** Set by the first push LINE refuses for the monthly limit; every worker then stops. */
interface Stop {
  reason?: string;
}

const sentDelivery = (delivery: Delivery, attempts: number, now: Date): Delivery => {
  const { reason: _reason, ...rest } = delivery;
  return { ...rest, status: 'sent', attempts, updatedAt: now.toISOString() };
};

const intent = (campaignId: string, groupId: string, now: Date): Delivery => ({
  campaignId,
  groupId,
  status: 'pending',
  retryKey: retryKeyFor(campaignId, groupId),
  attempts: 0,
  updatedAt: now.toISOString(),
});

/** Pushes to one group; a success comes back as the delivery to record, anything else as its outcome. */
async function deliverToGroup(
  campaign: Campaign,
  delivery: Delivery,
  group: Group | undefined,
  deps: CampaignDeps,
  stop: Stop,
): Promise<Exclude<Outcome, 'sent' | 'already-done'> | Delivery> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  if (group?.status !== 'active') {
    await deps.store.settle(delivery, 'skipped', delivery.attempts, group?.status ?? 'unknown');
    return 'skipped';
  }
  const { groupId } = delivery;
  let attempts = delivery.attempts;
  for (;;) {
    await deps.limiter.acquire();
    if (stop.reason) return 'paused';
    attempts += 1;
    try {
      await deps.line.push(groupId, campaign.messages, delivery.retryKey);
      deps.telemetry.count('campaignPushesSent');
      return sentDelivery(delivery, attempts, deps.now());
    } catch (error) {
      const outcome = classify(error);
      if (outcome === 'sent') {
        // 409: LINE accepted this retry key before (a crash, or another worker): it was sent.
        return sentDelivery(delivery, attempts, deps.now());
      }
      if (outcome === 'monthly_limit') {
        // Nothing will succeed this month: not this group's failure, and no point retrying.
        stop.reason ??= (error as LineApiError).message;
        return 'paused';
      }
      if (outcome === 'not_a_member') {
        // It left (or was removed) after the plan: settled, so the campaign can finish.
        await deps.store.settle(delivery, 'skipped', attempts, 'not_a_member');
        return 'skipped';
      }
      if (outcome !== 'final' && attempts < deps.maxAttempts) {
        const backoff =
          error instanceof LineApiError && error.retryAfterSeconds
            ? error.retryAfterSeconds * 1000
            : 100 * 2 ** attempts;
        // LINE's rate limit is the channel's: every worker waits, not only this one.
        if (outcome === 'rate_limit') deps.limiter.pause(backoff);
        await sleep(backoff * (0.5 + Math.random() / 2));
        continue;
      }
      const reason = error instanceof LineApiError ? error.message : `network: ${(error as Error).message}`;
      await deps.store.settle(delivery, 'failed', attempts, reason);
      deps.telemetry.count('campaignPushesFailed');
      deps.log.warn('campaign push failed', { campaignId: campaign.campaignId, groupId, attempts, reason });
      return outcome === 'final' ? 'failed' : 'retry-later';
    }
  }
}

type Classified = 'sent' | 'rate_limit' | 'monthly_limit' | 'not_a_member' | 'retry' | 'final';

function classify(error: unknown): Classified {
  if (error instanceof LineApiError) {
    if (error.status === 409 && error.acceptedRequestId) return 'sent';
    if (error.tooManyRequests === 'rate_limit') return 'rate_limit';
    if (error.tooManyRequests === 'monthly_limit') return 'monthly_limit';
    if (error.isNotAMember) return 'not_a_member';
    return error.isTransient ? 'retry' : 'final';
  }
  // A timeout or a dropped connection: LINE may or may not have it; the retry key makes retrying safe.
  return 'retry';
}

export async function campaignStatus(
  campaignId: string,
  deps: Pick<CampaignDeps, 'store'>,
): Promise<{ campaign?: Campaign; summary: CampaignSummary }> {
  const [campaign, deliveries] = await Promise.all([
    deps.store.get(campaignId),
    deps.store.deliveries(campaignId),
  ]);
  return { ...(campaign && { campaign }), summary: summarize(campaignId, deliveries) };
}

/** What a campaign to every active group would cost now, before anything is written. */
export async function estimateCampaign(
  deps: Pick<CampaignDeps, 'registry' | 'line' | 'reach'>,
  target: Pick<CampaignSpec, 'belowReach'> = {},
): Promise<{ groups: number; cost: number; remainingQuota?: number }> {
  if (target.belowReach !== undefined) assertValidReach(target.belowReach);
  let groups = 0;
  let cost = 0;
  for await (const page of targetedChats(target, deps)) {
    groups += page.length;
    for (const group of page) cost += pushCost(group.memberCount);
  }
  const remainingQuota = await deps.line.remainingQuota();
  return { groups, cost, ...(remainingQuota !== undefined && { remainingQuota }) };
}

/** What a run from this process ends with: the summary, and where the campaign now is. */
export interface CampaignRun extends CampaignSummary {
  status: CampaignStatus;
  /** Why it paused (LINE's words), when `status` is `paused_quota`. */
  reason?: string;
}

/**
 * A whole campaign from this process (the CLI without --aws, the console): plan, push, and end
 * it `done` (failures reported) or `paused_quota`. Re-running it resumes.
 */
export async function runCampaign(
  spec: CampaignSpec,
  options: { ignoreQuota: boolean },
  deps: CampaignDeps,
  events: { planned?: (plan: Plan) => void; outcome?: (groupId: string, outcome: Outcome) => void } = {},
): Promise<CampaignRun> {
  const plan = await planCampaign(spec, options, deps);
  events.planned?.(plan);
  return sendPlanned(plan, deps, events.outcome);
}

/** Pushes a planned campaign from this process and records how it ended. */
export async function sendPlanned(
  plan: Plan,
  deps: CampaignDeps,
  onOutcome?: (groupId: string, outcome: Outcome) => void,
): Promise<CampaignRun> {
  const { campaignId } = plan.campaign;
  await deps.store.update(campaignId, { status: 'sending', reason: undefined, pausedAt: undefined });
  const { pausedForQuota } = await deliverCampaign(plan.campaign, plan.groupIds, deps, onOutcome);
  if (pausedForQuota) await pauseForQuota(campaignId, pausedForQuota, deps);
  const { summary } = await campaignStatus(campaignId, deps);
  if (pausedForQuota) return { ...summary, status: 'paused_quota', reason: pausedForQuota };
  // Pending only if another run is still at it (or crashed): that run, or the next, ends it.
  if (summary.pending > 0) return { ...summary, status: 'sending' };
  await deps.store.update(campaignId, { status: 'done' });
  return { ...summary, status: 'done' };
}

/** Records that LINE's monthly limit stopped the campaign; `resume` (or a re-run) continues it. */
export async function pauseForQuota(
  campaignId: string,
  reason: string,
  deps: Pick<CampaignDeps, 'store' | 'telemetry' | 'now'>,
): Promise<void> {
  await deps.store.update(campaignId, {
    status: 'paused_quota',
    reason,
    pausedAt: deps.now().toISOString(),
  });
  deps.telemetry.count('campaignsPausedForQuota');
}
