import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type CampaignBatch, deliverBatch } from '../app/campaign/fan-out';
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
 * Once LINE's monthly limit is reached, batches are set aside unpushed (the resume plans them).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = await start();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  try {
    for (const record of event.Records) {
      const result = await deliverBatch(JSON.parse(record.body) as CampaignBatch, deps);
      if (result === 'retry-later') batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
