import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyCounts, RegistryStats } from '../../app/ports';
import type { GroupStatus } from '../../domain/group';
import type { LeaveBurst } from '../../domain/mass-leave';
import { batchGetAll } from './batch';

const STATUS = 'status';
const LATEST_MASS_LEAVE = 'latestMassLeave';

/** The registry-stats table: counts written in the registry's own transactions, read here. */
export class DynamoDbRegistryStats implements RegistryStats {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get(statKey: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { statKey }, ConsistentRead: true }),
    );
    return Item;
  }

  async statusCounts(): Promise<Record<GroupStatus, number>> {
    const item = (await this.get(STATUS)) ?? {};
    const count = (status: GroupStatus) => Math.max(0, Number(item[status] ?? 0));
    return { active: count('active'), left: count('left'), ejected: count('ejected') };
  }

  async burst(burstId: string): Promise<LeaveBurst | undefined> {
    const item = await this.get(burstId);
    return item ? toBurst(burstId, item) : undefined;
  }

  async markMassLeave(burst: LeaveBurst, at: Date): Promise<boolean> {
    try {
      // Set once: whoever first saw the rule hold reclassifies the burst's chats.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { statKey: burst.burstId },
          UpdateExpression: 'SET massLeaveAt = :at',
          ConditionExpression: 'attribute_not_exists(massLeaveAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { statKey: LATEST_MASS_LEAVE },
          UpdateExpression: 'SET burstId = :id, windowStart = :start, windowEnd = :end, massLeaveAt = :at',
          ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart < :start',
          ExpressionAttributeValues: {
            ':id': burst.burstId,
            ':start': burst.windowStart,
            ':end': burst.windowEnd,
            ':at': at.toISOString(),
          },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // an older burst
      });
    return true;
  }

  async daily(days: string[]): Promise<DailyCounts[]> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      days.map((day) => ({ statKey: `day#${day}` })),
    );
    const found = new Map(items.map((item) => [String(item.day), item]));
    const count = (item: Record<string, unknown> | undefined, kind: string) =>
      Math.max(0, Number(item?.[kind] ?? 0));
    return days.map((day) => {
      const item = found.get(day);
      return {
        day,
        joins: count(item, 'joins'),
        leaves: count(item, 'leaves'),
        ejections: count(item, 'ejections'),
      };
    });
  }

  async latestMassLeave(): Promise<LeaveBurst | undefined> {
    const latest = await this.get(LATEST_MASS_LEAVE);
    return latest ? this.burst(String(latest.burstId)) : undefined;
  }
}

function toBurst(burstId: string, item: Record<string, unknown>): LeaveBurst {
  return {
    burstId,
    windowStart: String(item.windowStart),
    windowEnd: String(item.windowEnd),
    leaves: Number(item.leaves ?? 0),
    activeAtStart: Number(item.activeAtStart ?? 0),
    ...(typeof item.massLeaveAt === 'string' && { massLeaveAt: item.massLeaveAt }),
  };
}
