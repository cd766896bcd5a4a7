import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { processStream } from '../runtime/process-stream';
import { createProcessorRuntime, type ProcessorRuntime } from '../runtime/processor-runtime';

// Built on the first batch and kept for the life of the container: one secret read per cold start.
let runtime: Promise<ProcessorRuntime> | undefined;

/** Lambda entry for the inbox table's stream: applies what the webhook accepted. */
export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  if (context) logger.addContext(context);
  try {
    runtime ??= createProcessorRuntime(loadConfig(), { log: logger, telemetry: telemetryOf(metrics) });
    const { processing } = await runtime.catch((error: unknown) => {
      runtime = undefined; // a failed start (secret unreadable) is retried on the next batch
      throw error;
    });
    return await processStream(event, processing, context);
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
