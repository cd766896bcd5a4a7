import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DailyCounts, RegistryStats } from '../../app/ports';
import type { GroupStatus } from '../../domain/group';
import { type LeaveBurst, neighboursOf } from '../../domain/mass-leave';
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
    const mark = (startsAct: boolean) => ({
      Update: {
        TableName: this.tableName,
        Key: { statKey: burst.burstId },
        UpdateExpression: 'SET massLeaveAt = :at, startsAct = :starts',
        // Set once: whoever first saw the rule hold.
        ConditionExpression: 'attribute_not_exists(massLeaveAt)',
        ExpressionAttributeValues: { ':at': at.toISOString(), ':starts': startsAct },
      },
    });
    try {
      // It starts an act only if neither overlapping span is one yet (checked in the same
      // transaction, so two spans of one act marked at once cannot both start it).
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            mark(true),
            ...neighboursOf(burst).map((statKey) => ({
              ConditionCheck: {
                TableName: this.tableName,
                Key: { statKey },
                ConditionExpression: 'attribute_not_exists(massLeaveAt)',
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      if (!error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw error;
      try {
        await this.client.send(new UpdateCommand(mark(false).Update));
      } catch (again) {
        if (again instanceof ConditionalCheckFailedException) return false;
        throw again;
      }
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

  /** A conditional SET of `attribute`; true if this call set it. */
  private async setOnce(
    burst: LeaveBurst,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { statKey: burst.burstId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  announceMassLeave(burst: LeaveBurst, at: Date): Promise<boolean> {
    return this.setOnce(
      burst,
      'SET announcedAt = :at',
      'startsAct = :yes AND attribute_not_exists(announcedAt)',
      {
        ':at': at.toISOString(),
        ':yes': true,
      },
    );
  }

  claimReclassification(burst: LeaveBurst, now: Date, leaseMs: number): Promise<boolean> {
    return this.setOnce(
      burst,
      'SET reclassifyingUntil = :until',
      'attribute_not_exists(reclassifiedAt) AND (attribute_not_exists(reclassifyingUntil) OR reclassifyingUntil < :now)',
      { ':until': new Date(now.getTime() + leaseMs).toISOString(), ':now': now.toISOString() },
    );
  }

  async reclassified(burst: LeaveBurst, at: Date): Promise<void> {
    await this.setOnce(
      burst,
      'SET reclassifiedAt = :at REMOVE reclassifyingUntil',
      'attribute_exists(statKey)',
      {
        ':at': at.toISOString(),
      },
    );
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

  /**
   * The latest marked span and the marked spans chained to it either side: one act, so its
   * window runs from the first of them to the last (`groups reinvite` lists all its chats).
   */
  async latestMassLeave(): Promise<LeaveBurst | undefined> {
    const latest = await this.get(LATEST_MASS_LEAVE);
    const last = latest ? await this.burst(String(latest.burstId)) : undefined;
    if (!last) return undefined;
    let act = { ...last };
    for (const side of [0, 1] as const) {
      for (let span: LeaveBurst | undefined = last; span;) {
        const next: LeaveBurst | undefined = await this.burst(neighboursOf(span)[side]);
        if (!next?.massLeaveAt) break;
        act = {
          ...act,
          ...(side === 0 && { burstId: next.burstId }),
          windowStart: next.windowStart < act.windowStart ? next.windowStart : act.windowStart,
          windowEnd: next.windowEnd > act.windowEnd ? next.windowEnd : act.windowEnd,
        };
        span = next;
      }
    }
    return act;
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
    ...(item.startsAct === true && { startsAct: true }),
    ...(typeof item.announcedAt === 'string' && { announcedAt: item.announcedAt }),
    ...(typeof item.reclassifiedAt === 'string' && { reclassifiedAt: item.reclassifiedAt }),
  };
}
