import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type InboxSweepDeps, noteAbandonedBatch, sweepInbox, type SweepOutcome } from '../app/inbox-sweep';
import type { StreamBatchInfo } from '../app/ports';

/**
 * The inbox sweeper's two inputs: the stream's on-failure records (SQS), whose batches are kept
 * for the sweep, and the schedule, which sweeps. Shared by the Lambda and the local stack.
 */
export async function handleSweepEvent(
  event: SQSEvent | ScheduledEvent,
  deps: InboxSweepDeps,
): Promise<SQSBatchResponse | SweepOutcome> {
  if (!('Records' in event)) {
    const outcome = await sweepInbox(deps);
    if (outcome.swept + outcome.failed + outcome.outbox > 0) deps.log.info('inbox sweep', { ...outcome });
    return outcome;
  }
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const { DDBStreamBatchInfo: batch } = JSON.parse(record.body) as {
        DDBStreamBatchInfo?: StreamBatchInfo;
      };
      if (!batch) throw new Error('not a DynamoDB stream on-failure record (no DDBStreamBatchInfo)');
      await noteAbandonedBatch(batch, deps);
    } catch (error) {
      // Handed back by SQS; after its retries it waits in the queue's own dead-letter queue.
      deps.log.error('could not keep an abandoned batch for the sweep', {
        messageId: record.messageId,
        error: (error as Error).message,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
