import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliverCampaign, type Outcome } from '../app/campaign/run-campaign';
import { loadConfig } from '../config';
import { parseCampaignTuning } from '../domain/campaign';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createCampaignDeps } from '../runtime/campaign-runtime';

let started: ReturnType<typeof createCampaignDeps> | undefined;

/**
 * Made once per container. A start that failed (a secret not readable yet, a bad setting) is
 * not kept: the next invocation tries again instead of failing for the container's life.
 */
function start(): ReturnType<typeof createCampaignDeps> {
  started ??= (async () =>
    createCampaignDeps(
      loadConfig(),
      { log: logger, telemetry: telemetryOf(metrics) },
      parseCampaignTuning({
        rate: process.env.PUSHES_PER_SECOND_PER_WORKER ?? '200',
        concurrency: process.env.PUSH_CONCURRENCY ?? '10',
      }),
    ))().catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}

/**
 * Pushes one batch of a campaign. Groups still failing transiently (LINE 429/5xx after retries)
 * fail the message, so SQS hands it back later; groups already sent are skipped on the retry.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const d = await start();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  try {
    for (const record of event.Records) {
      const { campaignId, groupIds } = JSON.parse(record.body) as { campaignId: string; groupIds: string[] };
      const campaign = await d.store.get(campaignId);
      if (!campaign) {
        logger.error('campaign not found; batch dropped', { campaignId });
        continue;
      }
      const outcomes: Outcome[] = [];
      await deliverCampaign(campaign, groupIds, d, (_g, outcome) => outcomes.push(outcome));
      if (outcomes.includes('retry-later')) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
