import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { inboxItemOf } from '../../lambda/adapters/dynamodb/inbox-record';
import { deadLettered, type ProcessInboxDeps } from '../../lambda/app/process-inbox';
import { startStreamPoller, type StreamPoller } from './stream-poller';

export interface LocalProcessingOptions {
  endpoint: string;
  inboxTable: string;
  /** The processor Lambda's handler (or `processStream` with a test's own wiring). */
  handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
  /** The enricher Lambda's handler, run every `sweepIntervalMs` as the schedule does on AWS. */
  sweep(): Promise<unknown>;
  sweepIntervalMs: number;
  /** Where dead letters are recorded when the stream's retries run out. */
  processing: Pick<ProcessInboxDeps, 'inbox' | 'log' | 'telemetry'>;
  maxRetryAttempts?: number;
  retryBaseMs?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  log?(line: string): void;
}

export interface LocalProcessing extends StreamPoller {
  /** One enrichment sweep now (as the schedule would run it). */
  sweep(): Promise<unknown>;
}

/**
 * What AWS runs after the webhook, on this machine: the inbox stream read like Lambda's event
 * source mapping into the processor's handler, and the enrichment sweep on a timer. Records whose
 * retries run out become dead letters in the inbox, as the processor makes them.
 */
export async function startLocalProcessing(options: LocalProcessingOptions): Promise<LocalProcessing> {
  const poller = await startStreamPoller({
    endpoint: options.endpoint,
    tableName: options.inboxTable,
    handler: options.handler,
    ...(options.maxRetryAttempts !== undefined && { maxRetryAttempts: options.maxRetryAttempts }),
    ...(options.retryBaseMs !== undefined && { retryBaseMs: options.retryBaseMs }),
    ...(options.startingPosition && { startingPosition: options.startingPosition }),
    ...(options.log && { log: options.log }),
    async onFailure(records, reason) {
      for (const record of records) {
        const item = inboxItemOf(record);
        await options.processing.inbox.noteFailure(item, `retries exhausted: ${reason}`, 0);
        deadLettered(item, reason, options.processing);
      }
    },
  });
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => (sweeping = sweeping.then(options.sweep, options.sweep));
  const timer = setInterval(() => void sweep().catch(() => undefined), options.sweepIntervalMs);
  return {
    ...poller,
    sweep,
    async stop() {
      clearInterval(timer);
      await sweeping.catch(() => undefined);
      await poller.stop();
    },
  };
}
