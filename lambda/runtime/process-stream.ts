import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inboxItemOf } from '../adapters/dynamodb/inbox-record';
import { AfterEffects, processInboxItem, type ProcessInboxDeps } from '../app/process-inbox';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * One batch of the inbox stream (Powertools' partial batch response). Records run one after the
 * other, in stream order, so a chat's events apply in the order they arrived and never race each
 * other; a failed record is reported alone and the stream retries from it. Replies and LINE
 * reads run once the whole batch is recorded.
 */
export async function processStream(
  event: DynamoDBStreamEvent,
  processing: ProcessInboxDeps,
  context?: Context,
): Promise<DynamoDBBatchResponse> {
  const effects = new AfterEffects();
  try {
    return await processPartialResponse(
      event,
      (record: DynamoDBRecord) => processInboxItem(inboxItemOf(record), effects, processing),
      processor,
      { ...(context && { context }), processInParallel: false },
    );
  } finally {
    await effects.settle(processing);
  }
}
