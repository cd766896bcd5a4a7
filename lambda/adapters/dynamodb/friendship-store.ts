import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../app/errors';
import type { FriendshipStore, StoredFriendship } from '../../app/ports';
import { type Friendship, latestFactAt } from '../../domain/friendships';
import { batchGetAll } from './batch';
import { CHECKS_DUE_INDEX } from './tables';

export interface DynamoDbFriendshipStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** A friendship is deleted (TTL) this many days after the latest fact or check about it. */
  retentionDays: number;
}

const fromItem = (item: Record<string, unknown>): StoredFriendship => {
  const { version, checkDue: _d, checkDueAt: _a, expiresAt: _e, ...friendship } = item;
  return { friendship: friendship as unknown as Friendship, version: Number(version) };
};

/** The friendships table: one item per user, versioned; owed checks in the sparse checksDue index. */
export class DynamoDbFriendshipStore implements FriendshipStore {
  constructor(private readonly options: DynamoDbFriendshipStoreOptions) {}

  async getMany(userIds: string[]): Promise<StoredFriendship[]> {
    const keys = [...new Set(userIds)].map((userId) => ({ userId }));
    return (
      await batchGetAll(this.options.client, this.options.tableName, keys, { consistentRead: true })
    ).map(fromItem);
  }

  async put(
    friendship: Friendship,
    expectedVersion: number | undefined,
    checkDueAt: Date | undefined,
  ): Promise<void> {
    const latest = [latestFactAt(friendship), checkDueAt?.toISOString()]
      .filter((t): t is string => t !== undefined)
      .sort()
      .at(-1);
    const expiresAt =
      Math.floor(Date.parse(latest ?? new Date().toISOString()) / 1000) + this.options.retentionDays * 86_400;
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...friendship,
            version: (expectedVersion ?? 0) + 1,
            expiresAt,
            ...(checkDueAt && { checkDue: 'due', checkDueAt: checkDueAt.toISOString() }),
          },
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_not_exists(version)' : 'version = :expected',
          ...(expectedVersion !== undefined && {
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentUpdateError(friendship.userId);
      throw error;
    }
  }

  async due(now: Date, limit: number): Promise<string[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: CHECKS_DUE_INDEX,
        KeyConditionExpression: 'checkDue = :due AND checkDueAt <= :now',
        ExpressionAttributeValues: { ':due': 'due', ':now': now.toISOString() },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => String(i.userId));
  }

  async delete(userId: string): Promise<void> {
    await this.options.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { userId } }));
  }
}
