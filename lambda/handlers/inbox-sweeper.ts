import type { DynamoDBStreamEvent, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SweepOutcome } from '../app/inbox-sweep';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createProcessorRuntime, type ProcessorRuntime } from '../runtime/processor-runtime';
import { handleSweepEvent } from '../runtime/sweep-event';

let runtime: Promise<ProcessorRuntime> | undefined;

/**
 * Nothing accepted is left behind:
 * - from the inbox stream's on-failure queue (SQS), where AWS puts the whereabouts of a batch it
 *   gave up on: the batch's items are kept for the sweep;
 * - every five minutes (EventBridge): the sweep applies the items that are due, and finishes the
 *   work of processes that died after a commit;
 * - members deleted by TTL (the members table's stream): their chats' reach is recounted.
 */
export async function handler(
  event: SQSEvent | ScheduledEvent | DynamoDBStreamEvent,
): Promise<SQSBatchResponse | SweepOutcome | { recounted: number }> {
  try {
    runtime ??= createProcessorRuntime(loadConfig(), { log: logger, telemetry: telemetryOf(metrics) });
    const { sweep } = await runtime.catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    return await handleSweepEvent(event, sweep);
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
