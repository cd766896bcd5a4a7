import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { InboxItem } from '../../app/ports';

/** The inbox item a stream record carries (its new image), without the table's bookkeeping. */
export function inboxItemOf(record: DynamoDBRecord): InboxItem {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new Error(`stream record ${record.eventID ?? '?'} has no new image`);
  const { groupId, inboxKey, receivedAt, events } = unmarshall(image as Record<string, AttributeValue>);
  return { groupId, inboxKey, receivedAt, events } as InboxItem;
}
