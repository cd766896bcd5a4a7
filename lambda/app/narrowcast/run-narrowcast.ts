import type { LineAudience } from '../../domain/audiences';
import { assertValidMessages, type Message } from '../../domain/messages';
import {
  AUDIENCE_BACKOFF,
  type Backoff,
  backoffMs,
  isFinished,
  type NarrowcastCampaign,
  type NarrowcastUpdate,
  narrowcastRetryKey,
  PROGRESS_BACKOFF,
  RATE_LIMIT_BACKOFF,
} from '../../domain/narrowcast';
import type { AudienceApi, NarrowcastApi } from '../audiences/ports';
import { LineApiError } from '../errors';
import type { Log, Telemetry } from '../ports';
import type { NarrowcastStore } from './ports';

export interface NarrowcastDeps {
  line: NarrowcastApi & Pick<AudienceApi, 'getAudience'>;
  store: NarrowcastStore;
  log: Log;
  telemetry: Telemetry;
  now: () => Date;
  /** AUDIENCE_READY_TIMEOUT_HOURS: how long a campaign waits for its audience to become READY. */
  audienceReadyTimeoutMs: number;
  backoff?: { audience?: Backoff; progress?: Backoff; rateLimit?: Backoff };
  sleep?: (ms: number) => Promise<void>;
}

/** The audience to narrowcast to is not on LINE (deleted, expired and gone, or a wrong id). */
export class UnknownAudienceError extends Error {
  constructor(readonly audienceGroupId: number) {
    super(`LINE has no audience ${audienceGroupId}: npm run audiences -- list`);
    this.name = 'UnknownAudienceError';
  }
}

/**
 * What a narrowcast will cost before it starts: LINE reserves the OA's whole target (the audience)
 * from the monthly quota before sending; with `upToRemainingQuota` it sends to at most what is left.
 */
export async function estimateNarrowcast(
  audienceGroupId: number,
  deps: Pick<NarrowcastDeps, 'line'>,
): Promise<{ audience: LineAudience; reserved: number; remainingQuota?: number }> {
  const [audience, remainingQuota] = await Promise.all([
    deps.line.getAudience(audienceGroupId),
    deps.line.remainingQuota(),
  ]);
  if (!audience) throw new UnknownAudienceError(audienceGroupId);
  return {
    audience,
    reserved: audience.audienceCount,
    ...(remainingQuota !== undefined && { remainingQuota }),
  };
}

export interface NarrowcastSpec {
  campaignId: string;
  audienceGroupId: number;
  couponId?: string;
  template?: string;
  messages: Message[];
}

/**
 * Creates the campaign (`waiting_for_audience`, due now) with its retry key, or returns the one
 * with that id: starting it again resumes it.
 */
export async function startNarrowcast(
  spec: NarrowcastSpec,
  deps: Pick<NarrowcastDeps, 'line' | 'store' | 'now'>,
): Promise<NarrowcastCampaign> {
  assertValidMessages(spec.messages, 'narrowcast messages');
  const now = deps.now().toISOString();
  const existing = await deps.store.get(spec.campaignId);
  if (!existing && !(await deps.line.getAudience(spec.audienceGroupId)))
    throw new UnknownAudienceError(spec.audienceGroupId);
  const campaign =
    existing ??
    (await deps.store.createOrGet({
      ...spec,
      kind: 'narrowcast',
      createdAt: now,
      status: 'waiting_for_audience',
      retryKey: narrowcastRetryKey(spec.campaignId),
      waitingSince: now,
      nextCheckAt: now,
      checks: 0,
    }));
  if (
    campaign.audienceGroupId !== spec.audienceGroupId ||
    JSON.stringify(campaign.messages) !== JSON.stringify(spec.messages)
  ) {
    throw new Error(
      `campaign ${spec.campaignId} exists with another audience or messages; pick another --id`,
    );
  }
  return campaign;
}

const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

/**
 * One step of a campaign that is due: look at the audience, send the request, or read LINE's
 * progress, and record what follows and when to look again. Safe to run twice at once or after a
 * crash at any point: the request carries the stored retry key, and LINE answers a repeat 409 with
 * the first request's id.
 */
export async function advanceNarrowcast(
  campaign: NarrowcastCampaign,
  deps: NarrowcastDeps,
): Promise<NarrowcastCampaign> {
  const now = deps.now();
  const b = {
    audience: deps.backoff?.audience ?? AUDIENCE_BACKOFF,
    progress: deps.backoff?.progress ?? PROGRESS_BACKOFF,
    rateLimit: deps.backoff?.rateLimit ?? RATE_LIMIT_BACKOFF,
  };
  const { campaignId } = campaign;
  const update = (fields: NarrowcastUpdate) => deps.store.update(campaignId, fields);
  const again = (backoff: Backoff, reason?: string, extra: NarrowcastUpdate = {}) =>
    update({
      checks: campaign.checks + 1,
      nextCheckAt: later(now, backoffMs(campaign.checks, backoff)),
      reason,
      ...extra,
    });
  const fail = async (reason: string, extra: NarrowcastUpdate = {}) => {
    deps.telemetry.count('narrowcastsFailed');
    deps.log.warn('narrowcast failed', { campaignId, audienceGroupId: campaign.audienceGroupId, reason });
    return update({ status: 'failed', reason, completedAt: now.toISOString(), ...extra });
  };
  if (isFinished(campaign.status)) return campaign;

  if (campaign.status === 'waiting_for_audience') {
    const audience = await deps.line.getAudience(campaign.audienceGroupId);
    if (!audience) return fail(`LINE no longer has audience ${campaign.audienceGroupId}`);
    if (audience.status === 'IN_PROGRESS' || audience.status === 'ACTIVATING') {
      if (now.getTime() - Date.parse(campaign.waitingSince) > deps.audienceReadyTimeoutMs) {
        return fail(
          `audience ${campaign.audienceGroupId} was still ${audience.status} after ${deps.audienceReadyTimeoutMs / 3_600_000} hour(s) (AUDIENCE_READY_TIMEOUT_HOURS)`,
        );
      }
      return again(b.audience, `audience ${audience.status}`);
    }
    if (audience.status !== 'READY')
      return fail(`audience ${campaign.audienceGroupId} is ${audience.status}, not READY`);
    campaign = await update({
      status: 'sending',
      sendingSince: now.toISOString(),
      checks: 0,
      nextCheckAt: now.toISOString(),
      reason: undefined,
    });
  }

  if (!campaign.requestId) {
    try {
      const { requestId, alreadyAccepted } = await deps.line.narrowcast(
        campaign.audienceGroupId,
        campaign.messages,
        campaign.retryKey,
      );
      if (!alreadyAccepted) deps.telemetry.count('narrowcastsSent');
      deps.log.info('narrowcast accepted', { campaignId, requestId, alreadyAccepted });
      return await update({
        requestId,
        checks: 0,
        nextCheckAt: later(now, b.progress.firstMs),
        reason: undefined,
      });
    } catch (error) {
      if (!(error instanceof LineApiError)) {
        // A timeout or a dropped connection: LINE may have it; the retry key makes asking again safe.
        return again(b.progress, `no answer from LINE: ${(error as Error).message}`);
      }
      if (error.status === 429) {
        // 60 narrowcasts an hour (or another 429): queued, never failed.
        return update({
          checks: campaign.checks + 1,
          nextCheckAt: later(
            now,
            error.retryAfterSeconds
              ? error.retryAfterSeconds * 1000
              : backoffMs(campaign.checks, b.rateLimit),
          ),
          reason: `waiting out LINE's rate limit: ${error.lineMessage ?? error.message}`,
        });
      }
      if (error.status === 400 && /not ready|IN_PROGRESS/i.test(error.lineMessage ?? '')) {
        return update({
          status: 'waiting_for_audience',
          checks: 0,
          nextCheckAt: later(now, b.audience.firstMs),
          reason: error.lineMessage,
        });
      }
      if (error.isTransient) return again(b.progress, error.message);
      return fail(error.message);
    }
  }

  let progress;
  try {
    progress = await deps.line.narrowcastProgress(campaign.requestId);
  } catch (error) {
    if (error instanceof LineApiError && !error.isTransient && error.status !== 404) throw error;
    return again(b.progress, `progress not readable yet: ${(error as Error).message}`);
  }
  const counts: NarrowcastUpdate = {
    ...(progress.targetCount !== undefined && { targetCount: progress.targetCount }),
    ...(progress.successCount !== undefined && { successCount: progress.successCount }),
    ...(progress.failureCount !== undefined && { failureCount: progress.failureCount }),
  };
  if (progress.phase === 'succeeded') {
    deps.telemetry.count('narrowcastsSucceeded');
    return update({ status: 'succeeded', completedAt: now.toISOString(), reason: undefined, ...counts });
  }
  if (progress.phase === 'failed') {
    return fail(
      `LINE: ${progress.failedDescription ?? 'failed'}${progress.errorCode ? ` (errorCode ${progress.errorCode})` : ''}`,
      counts,
    );
  }
  return again(b.progress, `LINE: ${progress.phase}`, counts);
}

/**
 * Follows a campaign from this process (the CLI, the console) until it succeeds or fails: each
 * step when it is due. Killed at any point, running it again picks up from what was stored.
 */
export async function followNarrowcast(
  campaignId: string,
  deps: NarrowcastDeps,
  onStep: (campaign: NarrowcastCampaign) => void = () => undefined,
): Promise<NarrowcastCampaign> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let campaign = await deps.store.get(campaignId);
  if (!campaign) throw new Error(`no narrowcast campaign ${campaignId}`);
  while (!isFinished(campaign.status)) {
    const wait = Date.parse(campaign.nextCheckAt) - deps.now().getTime();
    if (wait > 0) await sleep(wait);
    campaign = await advanceNarrowcast(campaign, deps);
    onStep(campaign);
  }
  return campaign;
}

/** The AWS follower's run: every due campaign one step (a failure of one never stops the others). */
export async function advanceDueNarrowcasts(
  deps: NarrowcastDeps,
): Promise<{ advanced: number; failed: number }> {
  let advanced = 0;
  let failed = 0;
  for (const campaign of await deps.store.due(deps.now())) {
    try {
      await advanceNarrowcast(campaign, deps);
      advanced += 1;
    } catch (error) {
      failed += 1;
      deps.log.error('narrowcast step failed', {
        campaignId: campaign.campaignId,
        error: (error as Error).message,
      });
    }
  }
  return { advanced, failed };
}
