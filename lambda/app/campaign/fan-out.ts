import { randomUUID } from 'node:crypto';
import type { Campaign } from '../../domain/campaign';
import type { CampaignBatches } from '../ports';
import {
  type CampaignDeps,
  deliverCampaign,
  type Outcome,
  pauseForQuota,
  planCampaign,
} from './run-campaign';

/** One queue message of a campaign's fan-out (AWS): the groups one worker invocation pushes. */
export interface CampaignBatch {
  campaignId: string;
  groupIds: string[];
  /** The plan that queued it and its index there (absent on batches queued before plans had ids). */
  planId?: string;
  batch?: number;
}

/** Groups per queue message: one worker invocation pushes to this many groups. */
export const GROUPS_PER_BATCH = 100;

export interface FanOut {
  groups: number;
  batches: number;
  cost: number;
}

/**
 * Plans the campaign (the quota check refuses before anything is written: QuotaExceededError)
 * and hands its groups to `queue` in batches. A new plan (a resume) replaces the last one, and
 * the worker that finishes its last batch ends the campaign `done`.
 */
export async function fanOutCampaign(
  spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages' | 'belowReach'>,
  options: { ignoreQuota: boolean },
  deps: CampaignDeps,
  queue: (batches: CampaignBatch[]) => Promise<void>,
): Promise<FanOut> {
  const plan = await planCampaign(spec, options, deps);
  const { campaignId } = plan.campaign;
  const planId = randomUUID();
  const batches: CampaignBatch[] = [];
  for (let i = 0; i < plan.groupIds.length; i += GROUPS_PER_BATCH)
    batches.push({
      campaignId,
      groupIds: plan.groupIds.slice(i, i + GROUPS_PER_BATCH),
      planId,
      batch: batches.length,
    });
  // Recorded before the batches exist, so the worker that finishes the last one finds the plan.
  await deps.store.update(campaignId, {
    status: batches.length === 0 ? 'done' : 'sending',
    planId,
    plannedBatches: batches.length,
    reason: undefined,
    pausedAt: undefined,
  });
  await queue(batches);
  return { groups: plan.groupIds.length, batches: batches.length, cost: plan.cost };
}

/**
 * `finished`: every group of the batch reached an outcome (the last batch of the plan ends the
 * campaign); `retry-later`: some still fail transiently, hand the batch back; `set-aside`: the
 * campaign is paused for LINE's monthly limit, nothing more is pushed (its resume plans these
 * groups again); `dropped`: no such campaign.
 */
export type BatchResult = 'finished' | 'retry-later' | 'set-aside' | 'dropped';

/** One queued batch, as a worker pushes it. */
export async function deliverBatch(
  batch: CampaignBatch,
  deps: CampaignDeps & { batches: CampaignBatches },
): Promise<BatchResult> {
  const campaign = await deps.store.get(batch.campaignId);
  if (!campaign) {
    deps.log.error('campaign not found; batch dropped', { campaignId: batch.campaignId });
    return 'dropped';
  }
  // Batches still queued when the limit was reached are not pushed: that would only be refused.
  if (campaign.status === 'paused_quota') return 'set-aside';
  const outcomes = new Set<Outcome>();
  const { pausedForQuota } = await deliverCampaign(campaign, batch.groupIds, deps, (_g, outcome) =>
    outcomes.add(outcome),
  );
  if (pausedForQuota) {
    await pauseForQuota(campaign.campaignId, pausedForQuota, deps);
    return 'set-aside';
  }
  if (outcomes.has('retry-later')) return 'retry-later';
  if (
    batch.planId !== undefined &&
    batch.batch !== undefined &&
    (await deps.batches.finishBatch(campaign.campaignId, batch.planId, batch.batch))
  ) {
    deps.log.info('campaign done', { campaignId: campaign.campaignId });
  }
  return 'finished';
}
