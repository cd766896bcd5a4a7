import { createHash } from 'node:crypto';
import type { Message } from './messages';

/** How a campaign reaches groups; only `push` today (narrowcast will sit beside it). */
export type CampaignKind = 'push';

/**
 * Where a campaign is. A refused one (quota) is never written, so it never shows as running.
 *
 *   planned ──▶ sending ──▶ done           every planned group sent, skipped or failed (reported)
 *                  │  ▲
 *                  ▼  │ resume / re-run    (the quota allows it again)
 *             paused_quota                 LINE's monthly limit: no push until resumed
 */
export type CampaignStatus = 'planned' | 'sending' | 'paused_quota' | 'done';

/** An operator's push of one coupon (and optionally a card) to every active group. */
export interface Campaign {
  campaignId: string;
  /** Absent on campaigns written before kinds existed: those are `push`. */
  kind?: CampaignKind;
  /** The coupon it carries; absent for a card alone (the friend-add card to low-reach chats). */
  couponId?: string;
  /** Exactly what each group receives, checked against LINE's rules before the first push. */
  messages: Message[];
  /** Every active chat, or the active chats whose reach is below `belowReach` at each run. */
  target: 'active' | 'belowReach';
  /** A share (0..1]: chats where fewer of the members are friends (a broadcast misses the rest). */
  belowReach?: number;
  createdAt: string;
  status: CampaignStatus;
  plannedGroups?: number;
  /** Why it is `paused_quota`: LINE's own words. */
  reason?: string;
  pausedAt?: string;
  /** AWS fan-out: the current plan and its number of queued batches (the last one ends it). */
  planId?: string;
  plannedBatches?: number;
}

/** Updates a campaign's record takes; `undefined` removes the attribute. */
export type CampaignUpdate = Partial<
  Pick<Campaign, 'status' | 'plannedGroups' | 'reason' | 'pausedAt' | 'planId' | 'plannedBatches'>
>;

/**
 * One (campaign, group) in the deliveries table. `pending` is written before the push (intent),
 * with the retry key LINE uses to accept that push at most once; then `sent`, `skipped` or
 * `failed`. A re-run retries only what is not `sent` or `skipped`, with the same retry key.
 */
export type DeliveryStatus = 'pending' | 'sent' | 'skipped' | 'failed';

export interface Delivery {
  campaignId: string;
  groupId: string;
  status: DeliveryStatus;
  retryKey: string;
  attempts: number;
  updatedAt: string;
  reason?: string;
}

export interface CampaignSummary {
  campaignId: string;
  sent: number;
  skipped: number;
  failed: number;
  pending: number;
  /** Failures and skips grouped by reason. */
  reasons: Record<string, number>;
}

export function summarize(
  campaignId: string,
  deliveries: Pick<Delivery, 'status' | 'reason'>[],
): CampaignSummary {
  const summary: CampaignSummary = { campaignId, sent: 0, skipped: 0, failed: 0, pending: 0, reasons: {} };
  for (const d of deliveries) {
    summary[d.status] += 1;
    if (d.reason && d.status !== 'sent') summary.reasons[d.reason] = (summary.reasons[d.reason] ?? 0) + 1;
  }
  return summary;
}

/** LINE counts a push once per member who receives it; the quota check uses the same arithmetic. */
export const pushCost = (memberCount: number | undefined) => Math.max(1, memberCount ?? 1);

/**
 * The X-Line-Retry-Key of one (campaign, group): derived, not random, so every run, worker and
 * SQS redelivery of the campaign uses the same key and LINE accepts the push once (409 after).
 */
export function retryKeyFor(campaignId: string, groupId: string): string {
  const h = createHash('sha256').update(`${campaignId}/${groupId}`).digest('hex');
  // Shaped as a version-4 UUID, which is what LINE asks for.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.charAt(16), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** How fast one process sends a campaign: pushes per second, and pushes in flight at once. */
export interface CampaignTuning {
  pushesPerSecond: number;
  concurrency: number;
}

/** LINE accepts 2,000 pushes a second per channel: a higher rate only earns 429s. */
export const MAX_PUSHES_PER_SECOND = 2000;
/** Past this many pushes in flight the rate, not concurrency, sets the pace; it only opens sockets. */
export const MAX_CONCURRENCY = 256;

/** A rate or concurrency an operator typed that would stall or flood a campaign. */
export class InvalidTuningError extends Error {
  constructor(
    readonly field: 'rate' | 'concurrency',
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${field} must be ${expected} (got "${got}")`);
    this.name = 'InvalidTuningError';
  }
}

/**
 * The operator's rate and concurrency as typed (a CLI flag, a console field): one rule for both.
 * NaN would silence the rate limiter (and LINE's Retry-After with it), 0 would flood or stall.
 */
export function parseCampaignTuning(input: { rate: string; concurrency: string }): CampaignTuning {
  const rate = input.rate.trim();
  const pushesPerSecond = Number(rate);
  if (!/^\d+(\.\d+)?$/.test(rate) || !(pushesPerSecond > 0) || pushesPerSecond > MAX_PUSHES_PER_SECOND) {
    throw new InvalidTuningError(
      'rate',
      `a number of pushes per second above 0 and at most ${MAX_PUSHES_PER_SECOND}`,
      input.rate,
    );
  }
  const inFlight = input.concurrency.trim();
  const concurrency = Number(inFlight);
  if (!/^\d+$/.test(inFlight) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new InvalidTuningError(
      'concurrency',
      `a whole number of pushes at once from 1 to ${MAX_CONCURRENCY}`,
      input.concurrency,
    );
  }
  return { pushesPerSecond, concurrency };
}
