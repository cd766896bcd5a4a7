import type { DynamoDBBatchResponse, DynamoDBStreamEvent, ScheduledEvent, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { StreamBatchInfo } from '../../lambda/app/ports';
import { startStreamPoller, type StreamPoller } from './stream-poller';

export interface LocalProcessingOptions {
  endpoint: string;
  inboxTable: string;
  /** The processor Lambda's handler (or `processStream` with a test's own wiring). */
  handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
  /** The enricher Lambda's handler, run every `sweepIntervalMs` as the schedule does on AWS. */
  sweep(): Promise<unknown>;
  sweepIntervalMs: number;
  /**
   * The inbox sweeper Lambda's handler: given an SQS event of on-failure records when the stream
   * gives up on a batch (as AWS delivers them), and a scheduled event every `inboxSweepIntervalMs`.
   */
  inboxSweeper(event: SQSEvent | ScheduledEvent): Promise<unknown>;
  inboxSweepIntervalMs?: number;
  maxRetryAttempts?: number;
  retryBaseMs?: number;
  parallelizationFactor?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  log?(line: string): void;
}

export interface LocalProcessing extends StreamPoller {
  /** One enrichment sweep now (as the schedule would run it). */
  sweep(): Promise<unknown>;
  /** One inbox sweep now (as the schedule would run it). */
  sweepInbox(): Promise<unknown>;
}

/** The record Lambda puts on a stream mapping's on-failure queue, as the SQS consumer receives it. */
export function onFailureRecord(batch: StreamBatchInfo, reason: string): SQSEvent['Records'][number] {
  const body = {
    requestContext: {
      requestId: randomUUID(),
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: reason },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: batch,
  };
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify(body),
    attributes: {} as SQSEvent['Records'][number]['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:inbox-on-failure',
    awsRegion: 'local',
  };
}

const scheduled = (): ScheduledEvent =>
  ({
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: new Date().toISOString(),
  }) as ScheduledEvent;

/**
 * What AWS runs after the webhook, on this machine: the inbox stream read like Lambda's event
 * source mapping into the processor's handler, the enrichment sweep and the inbox sweep on
 * timers. When the stream gives up on a batch, only where its records were reaches the inbox
 * sweeper (as the SQS on-failure record does on AWS), which reads them again and keeps them.
 */
export async function startLocalProcessing(options: LocalProcessingOptions): Promise<LocalProcessing> {
  const poller = await startStreamPoller({
    endpoint: options.endpoint,
    tableName: options.inboxTable,
    handler: options.handler,
    ...(options.maxRetryAttempts !== undefined && { maxRetryAttempts: options.maxRetryAttempts }),
    ...(options.retryBaseMs !== undefined && { retryBaseMs: options.retryBaseMs }),
    ...(options.parallelizationFactor !== undefined && {
      parallelizationFactor: options.parallelizationFactor,
    }),
    ...(options.startingPosition && { startingPosition: options.startingPosition }),
    ...(options.log && { log: options.log }),
    async onFailure(batch, reason) {
      const answer = (await options.inboxSweeper({ Records: [onFailureRecord(batch, reason)] })) as
        { batchItemFailures?: unknown[] } | undefined;
      // Not kept (DynamoDB down?): the poller keeps the batch and tries again, as SQS would.
      if (answer?.batchItemFailures?.length) throw new Error('the inbox sweeper could not keep the batch');
    },
  });
  /** One run at a time, as one scheduled function would; `idle` waits for the last. */
  const serial = (run: () => Promise<unknown>) => {
    let running: Promise<unknown> = Promise.resolve();
    return {
      now: () => (running = running.then(run, run)),
      idle: () => running.catch(() => undefined),
    };
  };
  const enricher = serial(() => options.sweep());
  const sweeper = serial(() => options.inboxSweeper(scheduled()));
  const [sweep, sweepInbox] = [enricher.now, sweeper.now];
  const timers = [
    setInterval(() => void sweep().catch(() => undefined), options.sweepIntervalMs),
    setInterval(() => void sweepInbox().catch(() => undefined), options.inboxSweepIntervalMs ?? 60_000),
  ];
  return {
    ...poller,
    sweep,
    sweepInbox,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all([enricher.idle(), sweeper.idle()]);
      await poller.stop();
    },
  };
}
