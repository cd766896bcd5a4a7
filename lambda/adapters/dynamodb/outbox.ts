import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { OUTBOX_PREFIX } from '../../app/outbox';
import type { Outbox, OutboxEntry } from '../../app/ports';
import { OUTBOX_INDEX } from './tables';

const fromItem = (item: Record<string, unknown>): OutboxEntry => {
  const { eventKey: _k, outbox: _o, expiresAt: _e, claims: _c, claimedUntil: _u, ...entry } = item;
  return entry as unknown as OutboxEntry;
};

/**
 * Outbox entries in the group events table, written by the registry's save in the same
 * transaction as the change they follow (`toOutboxItem`), found per chat or, for the sweep,
 * through the sparse `outbox` index.
 */
export class DynamoDbOutbox implements Outbox {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    entry: Pick<OutboxEntry, 'groupId' | 'entryKey'>,
    now: Date,
    leaseMs: number,
  ): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { groupId: entry.groupId, eventKey: entry.entryKey },
          UpdateExpression: 'SET claimedUntil = :until ADD claims :one',
          // Not done, and nobody holds it (or their lease ran out: they died).
          ConditionExpression:
            'attribute_exists(eventKey) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeValues: {
            ':until': new Date(now.getTime() + leaseMs).toISOString(),
            ':now': now.toISOString(),
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.claims ?? 1);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async done(entry: Pick<OutboxEntry, 'groupId' | 'entryKey'>): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { groupId: entry.groupId, eventKey: entry.entryKey },
      }),
    );
  }

  async pendingFor(groupId: string): Promise<OutboxEntry[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'groupId = :groupId AND begins_with(eventKey, :prefix)',
        ExpressionAttributeValues: { ':groupId': groupId, ':prefix': OUTBOX_PREFIX },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(fromItem);
  }

  async due(before: Date, limit: number): Promise<OutboxEntry[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: OUTBOX_INDEX,
        KeyConditionExpression: 'outbox = :pending AND createdAt < :before',
        ExpressionAttributeValues: { ':pending': 'pending', ':before': before.toISOString() },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(fromItem);
  }
}
