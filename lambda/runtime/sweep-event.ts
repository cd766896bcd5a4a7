import type { DynamoDBStreamEvent, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { recountReach } from '../app/members/chat-reach';
import { type InboxSweepDeps, noteAbandonedBatch, sweepInbox, type SweepOutcome } from '../app/inbox-sweep';
import type { StreamBatchInfo } from '../app/ports';

/** Keys of members DynamoDB's TTL deleted (the members table's stream, filtered to those). */
const isMembersStream = (
  event: SQSEvent | ScheduledEvent | DynamoDBStreamEvent,
): event is DynamoDBStreamEvent =>
  'Records' in event && event.Records.some((r) => r.eventSource === 'aws:dynamodb');

/**
 * The inbox sweeper's inputs: the stream's on-failure records (SQS), whose batches are kept for
 * the sweep; the schedule, which sweeps; and members DynamoDB's TTL deleted (the members table's
 * stream), whose chats' reach is recounted without them. Shared by the Lambda and the local stack.
 */
export async function handleSweepEvent(
  event: SQSEvent | ScheduledEvent | DynamoDBStreamEvent,
  deps: InboxSweepDeps,
): Promise<SQSBatchResponse | SweepOutcome | { recounted: number }> {
  if (isMembersStream(event)) {
    const chats = new Set(
      event.Records.map((r) => r.dynamodb?.Keys?.groupId?.S).filter((c): c is string => !!c),
    );
    // Recounting is idempotent: a redelivered batch recounts the same chats to the same numbers.
    for (const groupId of chats) await recountReach(groupId, deps.people);
    return { recounted: chats.size };
  }
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
