import {
  type Campaign,
  type CampaignSummary,
  type Delivery,
  pushCost,
  retryKeyFor,
  summarize,
} from '../../domain/campaign';
import type { Group } from '../../domain/group';
import { assertValidMessages } from '../../domain/messages';
import { LineApiError } from '../errors';
import type { CampaignStore, GroupDirectory, Log, PushSender, Telemetry } from '../ports';
import type { RateLimiter } from './rate-limiter';

export interface CampaignDeps {
  registry: Pick<GroupDirectory, 'pagesByStatus' | 'getMany'>;
  store: CampaignStore;
  line: PushSender;
  limiter: RateLimiter;
  log: Log;
  telemetry: Telemetry;
  now: () => Date;
  /** Pushes in flight at once. */
  concurrency: number;
  /** Attempts per group for transient failures (429, 5xx, timeouts) before it counts as failed. */
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
  /** Active groups still to receive it (not yet sent or skipped). */
  groupIds: string[];
  /** Messages LINE will count for them. */
  cost: number;
  remainingQuota?: number;
}

/**
 * Creates (or resumes) the campaign, lists the active groups still owed a push through byStatus,
 * and compares the cost with LINE's remaining monthly quota.
 */
export async function planCampaign(
  spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages'>,
  options: { ignoreQuota: boolean },
  deps: CampaignDeps,
): Promise<Plan> {
  assertValidMessages(spec.messages, 'campaign messages');
  const campaign = await deps.store.createOrGet({
    ...spec,
    target: 'active',
    createdAt: deps.now().toISOString(),
    status: 'planned',
  });
  if (
    campaign.couponId !== spec.couponId ||
    JSON.stringify(campaign.messages) !== JSON.stringify(spec.messages)
  ) {
    throw new Error(`campaign ${spec.campaignId} exists with other messages; pick another --id`);
  }
  const done = new Set(
    (await deps.store.deliveries(campaign.campaignId))
      .filter((d) => d.status === 'sent' || d.status === 'skipped')
      .map((d) => d.groupId),
  );
  const groupIds: string[] = [];
  let cost = 0;
  for await (const page of deps.registry.pagesByStatus('active')) {
    for (const group of page) {
      if (done.has(group.groupId)) continue;
      groupIds.push(group.groupId);
      cost += pushCost(group.memberCount);
    }
  }
  const remainingQuota = await deps.line.remainingQuota();
  if (remainingQuota !== undefined && cost > remainingQuota && !options.ignoreQuota) {
    throw new QuotaExceededError(cost, remainingQuota);
  }
  await deps.store.update(campaign.campaignId, { plannedGroups: done.size + groupIds.length });
  return {
    campaign,
    groupIds,
    cost,
    ...(remainingQuota !== undefined && { remainingQuota }),
  };
}

export type Outcome = 'sent' | 'skipped' | 'failed' | 'already-done' | 'retry-later';

/** Groups prepared together: their deliveries and statuses are read, and intents written, in batches. */
const PREPARE_BATCH = 500;

/**
 * Pushes the campaign to these groups, at most `concurrency` at a time and within the rate
 * limit; each group exactly once across re-runs, crashes and concurrent workers (deliveries table
 * + a retry key derived from campaign and group, which LINE accepts once).
 */
export async function deliverCampaign(
  campaign: Campaign,
  groupIds: string[],
  deps: CampaignDeps,
  onOutcome: (groupId: string, outcome: Outcome) => void = () => undefined,
): Promise<void> {
  for (let i = 0; i < groupIds.length; i += PREPARE_BATCH) {
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
      for (let d = queue.shift(); d; d = queue.shift()) {
        const outcome = await deliverToGroup(campaign, d, groups.get(d.groupId), deps);
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
): Promise<Exclude<Outcome, 'sent' | 'already-done'> | Delivery> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  if (group?.status !== 'active') {
    await deps.store.settle(delivery, 'skipped', delivery.attempts, `group is ${group?.status ?? 'unknown'}`);
    return 'skipped';
  }
  const { groupId } = delivery;
  let attempts = delivery.attempts;
  for (;;) {
    attempts += 1;
    await deps.limiter.acquire();
    try {
      await deps.line.push(groupId, campaign.messages, delivery.retryKey);
      deps.telemetry.count('campaignPushesSent');
      return sentDelivery(delivery, attempts, deps.now());
    } catch (error) {
      const outcome = await classify(error);
      if (outcome === 'sent') {
        // 409: LINE accepted this retry key before (a crash, or another worker): it was sent.
        return sentDelivery(delivery, attempts, deps.now());
      }
      if (outcome === 'retry' && attempts < deps.maxAttempts) {
        const backoff =
          error instanceof LineApiError && error.retryAfterSeconds
            ? error.retryAfterSeconds * 1000
            : 100 * 2 ** attempts;
        if (error instanceof LineApiError && error.status === 429) deps.limiter.pause(backoff);
        await sleep(backoff * (0.5 + Math.random() / 2));
        continue;
      }
      const reason = error instanceof LineApiError ? error.message : `network: ${(error as Error).message}`;
      await deps.store.settle(delivery, 'failed', attempts, reason);
      deps.telemetry.count('campaignPushesFailed');
      deps.log.warn('campaign push failed', { campaignId: campaign.campaignId, groupId, attempts, reason });
      return outcome === 'retry' ? 'retry-later' : 'failed';
    }
  }
}

async function classify(error: unknown): Promise<'sent' | 'retry' | 'final'> {
  if (error instanceof LineApiError) {
    if (error.status === 409 && error.acceptedRequestId) return 'sent';
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
  deps: Pick<CampaignDeps, 'registry' | 'line'>,
): Promise<{ groups: number; cost: number; remainingQuota?: number }> {
  let groups = 0;
  let cost = 0;
  for await (const page of deps.registry.pagesByStatus('active')) {
    groups += page.length;
    for (const group of page) cost += pushCost(group.memberCount);
  }
  const remainingQuota = await deps.line.remainingQuota();
  return { groups, cost, ...(remainingQuota !== undefined && { remainingQuota }) };
}

/**
 * A whole campaign from this process (the CLI without --aws, the console): plan, push, and mark
 * it done when every group was reached. Re-running it resumes.
 */
export async function runCampaign(
  spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages'>,
  options: { ignoreQuota: boolean },
  deps: CampaignDeps,
  events: { planned?: (plan: Plan) => void; outcome?: (groupId: string, outcome: Outcome) => void } = {},
): Promise<CampaignSummary> {
  const plan = await planCampaign(spec, options, deps);
  events.planned?.(plan);
  await deps.store.update(spec.campaignId, { status: 'sending' });
  await deliverCampaign(plan.campaign, plan.groupIds, deps, events.outcome);
  const { summary } = await campaignStatus(spec.campaignId, deps);
  if (summary.failed === 0 && summary.pending === 0)
    await deps.store.update(spec.campaignId, { status: 'done' });
  return summary;
}
