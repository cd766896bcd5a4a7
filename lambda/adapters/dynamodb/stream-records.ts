import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { InboxItem, StreamBatchInfo, StreamRecords } from '../../app/ports';

/** GetRecords calls at most per batch: a batch is at most 10,000 records, 1,000 a call. */
const MAX_READS = 50;
/** Around the batch's approximate arrival times, for the fallback scan. */
const ARRIVAL_SLACK_MS = 60_000;

/**
 * The inbox items a stream batch held: read again from the stream by their sequence numbers (the
 * stream keeps records 24 hours); if they are gone from it, found in the inbox table by the time
 * they arrived (a Scan: rare, bounded by the batch's arrival times).
 */
export class DynamoDbStreamRecords implements StreamRecords {
  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly documents: DynamoDBDocumentClient,
    private readonly inboxTable: string,
  ) {}

  async itemsOf(batch: StreamBatchInfo): Promise<InboxItem[]> {
    try {
      return await this.fromStream(batch);
    } catch (error) {
      if (!(error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException))
        throw error;
      return this.fromTable(batch);
    }
  }

  private async fromStream(batch: StreamBatchInfo): Promise<InboxItem[]> {
    const end = BigInt(batch.endSequenceNumber);
    let { ShardIterator: iterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    const items: InboxItem[] = [];
    for (let reads = 0; iterator && reads < MAX_READS; reads++) {
      const { Records = [], NextShardIterator } = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      );
      for (const record of Records) {
        if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return items;
        // The mapping's filter: only new items are work.
        if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) continue;
        const { groupId, inboxKey, receivedAt, events } = unmarshall(
          record.dynamodb.NewImage as Record<string, AttributeValue>,
        );
        items.push({ groupId, inboxKey, receivedAt, events } as InboxItem);
      }
      iterator = NextShardIterator;
    }
    return items;
  }

  private async fromTable(batch: StreamBatchInfo): Promise<InboxItem[]> {
    const from = new Date(Date.parse(batch.approximateArrivalOfFirstRecord) - ARRIVAL_SLACK_MS).toISOString();
    const to = new Date(Date.parse(batch.approximateArrivalOfLastRecord) + ARRIVAL_SLACK_MS).toISOString();
    const items: InboxItem[] = [];
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.inboxTable,
        FilterExpression: 'receivedAt BETWEEN :from AND :to AND attribute_exists(events)',
        ExpressionAttributeValues: { ':from': from, ':to': to },
        ProjectionExpression: 'groupId, inboxKey, receivedAt, events',
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as InboxItem[]));
    return items;
  }
}
