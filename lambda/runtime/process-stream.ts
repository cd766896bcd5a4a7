import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inboxItemOf } from '../adapters/dynamodb/inbox-record';
import { AfterEffects, processInboxItem, type ProcessInboxDeps } from '../app/process-inbox';

/** A record not tried because an earlier record of its chat failed in this batch. */
export class HeldBackError extends Error {
  constructor(groupId: string) {
    super(`held back: an earlier item of chat ${groupId} failed in this batch`);
    this.name = 'HeldBackError';
  }
}

/**
 * One batch of the inbox stream (Powertools' partial batch response). Records run one after the
 * other, in stream order, so a chat's events apply in the order they arrived and never race each
 * other. Once a record fails, the later records of its chat in the batch are reported failed
 * without being tried (Powertools would go on past it), so they are applied only after it, when
 * the stream retries from the failed record. Replies and LINE reads run once the whole batch is
 * recorded.
 */
export async function processStream(
  event: DynamoDBStreamEvent,
  processing: ProcessInboxDeps,
  context?: Context,
): Promise<DynamoDBBatchResponse> {
  const effects = new AfterEffects();
  const failedChats = new Set<string>();
  // One per batch: it keeps the batch's records and failures, and batches may run at once here
  // (the local stream reader's parallel lanes, two processors in a test), unlike in one Lambda.
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  try {
    return await processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        const item = inboxItemOf(record);
        if (failedChats.has(item.groupId)) throw new HeldBackError(item.groupId);
        try {
          await processInboxItem(item, effects, processing);
        } catch (error) {
          failedChats.add(item.groupId);
          throw error;
        }
      },
      processor,
      { ...(context && { context }), processInParallel: false },
    );
  } finally {
    await effects.settle(processing);
  }
}
