import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AttendanceSettings,
  type AttendanceStore,
  CorrectionNotPendingError,
} from '../../app/attendance/ports';
import type { Correction, PunchFact } from '../../domain/attendance/shifts';
import { ATTENDANCE_BY_USER_INDEX, PENDING_CORRECTIONS_INDEX } from './tables';

export interface DynamoDbAttendanceStoreOptions {
  client: DynamoDBDocumentClient;
  tables: { attendance: string };
  /** Punches and corrections are deleted this many days after they happened (TTL). */
  retentionDays: number;
}

type Item = Record<string, unknown>;

const SETTINGS = 'settings';
const PUNCH = 'punch#';
const CORRECTION = 'correction#';
const ANSWERED = 'answered#';
/** An answer-only command is kept this long: enough to see its redeliveries. */
const ANSWERED_SECONDS = 86_400;

/** Written once: the same webhook event again finds its item and writes nothing. */
const notRecordedBefore = 'attribute_not_exists(itemKey)';
const isPending = 'pending = :pending';

const toPunch = (item: Item): PunchFact => ({
  userId: item.userId as string,
  punch: item.punch as PunchFact['punch'],
  at: item.at as string,
  webhookEventId: item.webhookEventId as string,
  ...(typeof item.displayName === 'string' && { displayName: item.displayName }),
});

const toCorrection = (item: Item): Correction => {
  const { itemKey: _k, pending: _p, expiresAt: _e, ...correction } = item;
  return correction as unknown as Correction;
};

/**
 * The attendance table (see `attendanceTable`). Each record is one conditional put keyed by its
 * webhook event: no transaction and no outbox entry (their replies rely on LINE's once-only reply
 * tokens instead, see record-attendance.ts), so a clock command costs a few capacity units.
 */
export class DynamoDbAttendanceStore implements AttendanceStore {
  constructor(private readonly options: DynamoDbAttendanceStoreOptions) {}

  private get table() {
    return this.options.tables.attendance;
  }

  private expiresAt(at: string, days = this.options.retentionDays) {
    return Math.floor(Date.parse(at) / 1000) + days * 86_400;
  }

  async settings(groupId: string): Promise<AttendanceSettings | undefined> {
    const { Item } = await this.options.client.send(
      // Consistent: a chat just turned off answers no command from then on.
      new GetCommand({ TableName: this.table, Key: { groupId, itemKey: SETTINGS }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { itemKey: _k, ...settings } = Item;
    return settings as AttendanceSettings;
  }

  async putSettings(settings: AttendanceSettings): Promise<void> {
    await this.options.client.send(
      new PutCommand({ TableName: this.table, Item: { ...settings, itemKey: SETTINGS } }),
    );
  }

  /** The record, once; false: recorded before (nothing is written). */
  private async writeOnce(item: Item): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: notRecordedBefore }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  recordPunch(groupId: string, punch: PunchFact): Promise<boolean> {
    return this.writeOnce({
      groupId,
      itemKey: `${PUNCH}${punch.at}#${punch.webhookEventId}`,
      ...punch,
      expiresAt: this.expiresAt(punch.at),
    });
  }

  recordCorrection(correction: Correction): Promise<boolean> {
    return this.writeOnce({
      ...correction,
      itemKey: `${CORRECTION}${correction.date}#${correction.correctionId}`,
      ...(correction.status === 'pending' && { pending: 'pending' }),
      expiresAt: this.expiresAt(correction.requestedAt),
    });
  }

  recordAnswered(groupId: string, webhookEventId: string, at: string) {
    return this.writeOnce({
      groupId,
      itemKey: `${ANSWERED}${at}#${webhookEventId}`,
      expiresAt: Math.floor(Date.parse(at) / 1000) + ANSWERED_SECONDS,
    });
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.options.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async punchesBetween(groupId: string, from: string, to: string, userId?: string): Promise<PunchFact[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'groupId = :groupId AND itemKey BETWEEN :from AND :to',
      ...(userId && { FilterExpression: 'userId = :userId' }),
      ExpressionAttributeValues: {
        ':groupId': groupId,
        ':from': `${PUNCH}${from}`,
        // `~` sorts after `#`: every event id at `to` is included.
        ':to': `${PUNCH}${to}~`,
        ...(userId && { ':userId': userId }),
      },
      ConsistentRead: true,
    });
    return items.map(toPunch);
  }

  async corrections(groupId: string, from: string, to: string): Promise<Correction[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'groupId = :groupId AND itemKey BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':groupId': groupId,
        ':from': `${CORRECTION}${from}`,
        ':to': `${CORRECTION}${to}~`,
      },
      ConsistentRead: true,
    });
    return items.map(toCorrection);
  }

  async pendingCorrections(limit = 100): Promise<Correction[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: PENDING_CORRECTIONS_INDEX,
        KeyConditionExpression: 'pending = :pending',
        ExpressionAttributeValues: { ':pending': 'pending' },
        Limit: limit,
      }),
    );
    return (Items ?? []).map(toCorrection);
  }

  async decide(
    correctionId: string,
    status: 'approved' | 'rejected',
    by: string,
    at: Date,
  ): Promise<Correction> {
    // The index is eventually consistent: the conditional write below is what decides once.
    const found = (
      await this.queryAll({
        TableName: this.table,
        IndexName: PENDING_CORRECTIONS_INDEX,
        KeyConditionExpression: 'pending = :pending',
        FilterExpression: 'correctionId = :id',
        ExpressionAttributeValues: { ':pending': 'pending', ':id': correctionId },
      })
    )[0];
    if (!found) throw new CorrectionNotPendingError(correctionId);
    try {
      const { Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { groupId: found.groupId, itemKey: found.itemKey },
          UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedAt = :at REMOVE pending',
          ConditionExpression: isPending,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':by': by,
            ':at': at.toISOString(),
            ':pending': 'pending',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toCorrection(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new CorrectionNotPendingError(correctionId);
      throw error;
    }
  }

  private async keysOf(userId: string): Promise<{ groupId: string; itemKey: string }[]> {
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: ATTENDANCE_BY_USER_INDEX,
      KeyConditionExpression: 'userId = :userId',
      ExpressionAttributeValues: { ':userId': userId },
    });
    return items.map((i) => ({ groupId: i.groupId as string, itemKey: i.itemKey as string }));
  }

  async ofUser(userId: string): Promise<((PunchFact & { groupId: string }) | Correction)[]> {
    const found: ((PunchFact & { groupId: string }) | Correction)[] = [];
    for (const key of await this.keysOf(userId)) {
      const { Item } = await this.options.client.send(new GetCommand({ TableName: this.table, Key: key }));
      // With the chat it was in: an access request shows where each record comes from.
      if (Item)
        found.push(
          key.itemKey.startsWith(PUNCH) ? { groupId: key.groupId, ...toPunch(Item) } : toCorrection(Item),
        );
    }
    return found;
  }

  async forgetUser(userId: string): Promise<number> {
    const keys = await this.keysOf(userId);
    for (const key of keys)
      await this.options.client.send(new DeleteCommand({ TableName: this.table, Key: key }));
    return keys.length;
  }
}
