import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  paginateScan,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { InboxPeople } from '../../app/members/personal-data';
import type { InboxEvent } from '../../domain/events';
import type { DeadLetter, Inbox, InboxItem, StreamBatchInfo, SweptItem } from '../../app/ports';
import { batchWriteAll } from './batch';
import { DEAD_LETTERS_INDEX, SWEEP_INDEX } from './tables';

export interface DynamoDbInboxOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long accepted events are kept (TTL), in days. */
  retentionDays: number;
  /** How long a dead letter (or an item of an abandoned batch) is kept for an operator, in days. */
  deadLetterRetentionDays?: number;
  now?: () => Date;
}

/** The value that puts an item in the sparse dead-letters index. */
const DEAD = 'failed';

/** The inbox table: the webhook's durable store, the processor's stream, and the dead letters. */
export class DynamoDbInbox implements Inbox, InboxPeople {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDbInboxOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private expiresAt(days = this.options.retentionDays): number {
    return Math.floor(this.now().getTime() / 1000) + days * 86_400;
  }

  private keptFor(): number {
    return this.expiresAt(this.options.deadLetterRetentionDays ?? 14);
  }

  async accept(items: InboxItem[]): Promise<void> {
    const { client, tableName } = this.options;
    const expiresAt = this.expiresAt();
    if (items.length === 1) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...items[0], expiresAt } }));
      return;
    }
    // In parallel: LINE is waiting for the answer.
    await batchWriteAll(
      client,
      tableName,
      items.map((item) => ({ ...item, expiresAt })),
      { parallel: true },
    );
  }

  async noteFailure(item: InboxItem, error: string, maxAttempts: number): Promise<boolean> {
    let Attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { groupId: item.groupId, inboxKey: item.inboxKey },
          UpdateExpression: 'SET lastError = :error ADD attempts :one',
          // Never create one: an update of a missing key would insert an item with no events.
          ConditionExpression: 'attribute_exists(inboxKey)',
          ExpressionAttributeValues: { ':error': error.slice(0, 2000), ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ));
    } catch (failure) {
      // Expired (TTL) before it could be applied: nothing left to retry or keep.
      if (failure instanceof ConditionalCheckFailedException) return true;
      throw failure;
    }
    if (Number(Attributes?.attempts ?? 0) < maxAttempts) return false;
    // A dead letter is kept for an operator for two weeks (not for ever: it holds members' events).
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { groupId: item.groupId, inboxKey: item.inboxKey },
        UpdateExpression: 'SET deadLetter = :dead, failedAt = :now, expiresAt = :kept REMOVE sweep, sweepAt',
        ExpressionAttributeValues: {
          ':dead': DEAD,
          ':now': this.now().toISOString(),
          ':kept': this.keptFor(),
        },
      }),
    );
    return true;
  }

  async deadLetters(limit = 1000): Promise<DeadLetter[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: DEAD_LETTERS_INDEX,
        KeyConditionExpression: 'deadLetter = :dead',
        ExpressionAttributeValues: { ':dead': DEAD },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => {
      const { deadLetter: _d, expiresAt: _e, ...letter } = item;
      return letter as DeadLetter;
    });
  }

  async settle(item: InboxItem): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { groupId: item.groupId, inboxKey: item.inboxKey },
        UpdateExpression: 'SET replayedAt = :now, expiresAt = :expiresAt REMOVE deadLetter',
        ExpressionAttributeValues: { ':now': this.now().toISOString(), ':expiresAt': this.expiresAt() },
      }),
    );
  }

  async markForSweep(items: InboxItem[], sweepAfterMs: number, batch: StreamBatchInfo): Promise<number> {
    const abandonedBatch = {
      shardId: batch.shardId,
      startSequenceNumber: batch.startSequenceNumber,
      endSequenceNumber: batch.endSequenceNumber,
    };
    let marked = 0;
    for (const item of items) {
      try {
        await this.options.client.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { groupId: item.groupId, inboxKey: item.inboxKey },
            // Kept until swept (two weeks at most): the stream no longer has it in hand.
            UpdateExpression: 'SET sweep = :due, sweepAt = :at, abandonedBatch = :batch, expiresAt = :kept',
            ConditionExpression:
              'attribute_exists(inboxKey) AND attribute_not_exists(deadLetter) AND attribute_not_exists(sweep)',
            ExpressionAttributeValues: {
              ':due': 'due',
              ':at': new Date(Date.parse(item.receivedAt) + sweepAfterMs).toISOString(),
              ':batch': abandonedBatch,
              ':kept': this.keptFor(),
            },
          }),
        );
        marked += 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return marked;
  }

  async dueForSweep(now: Date, limit: number): Promise<SweptItem[]> {
    return this.querySweeps('due', { until: now.toISOString(), limit, newestFirst: false });
  }

  async settleSwept(item: InboxItem, at: Date): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { groupId: item.groupId, inboxKey: item.inboxKey },
        UpdateExpression: 'SET sweep = :done, sweepAt = :at, expiresAt = :expiresAt',
        ConditionExpression: 'sweep = :due',
        ExpressionAttributeValues: {
          ':done': 'done',
          ':due': 'due',
          ':at': at.toISOString(),
          ':expiresAt': this.expiresAt(),
        },
      }),
    );
  }

  async sweeps(limit = 100): Promise<SweptItem[]> {
    const [due, done] = await Promise.all([
      this.querySweeps('due', { limit, newestFirst: true }),
      this.querySweeps('done', { limit, newestFirst: true }),
    ]);
    return [...due, ...done];
  }

  private async querySweeps(
    state: SweptItem['sweep'],
    options: { until?: string; limit: number; newestFirst: boolean },
  ): Promise<SweptItem[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        IndexName: SWEEP_INDEX,
        KeyConditionExpression: options.until ? 'sweep = :state AND sweepAt <= :until' : 'sweep = :state',
        ExpressionAttributeValues: { ':state': state, ...(options.until && { ':until': options.until }) },
        ScanIndexForward: !options.newestFirst,
        Limit: options.limit,
      }),
    );
    return (Items ?? []).map((item) => {
      const { expiresAt: _e, ...swept } = item;
      return swept as SweptItem;
    });
  }

  /** Applied: the members' message texts it kept for processing are dropped. */
  async forgetText(item: InboxItem): Promise<void> {
    const withText = item.events.flatMap((e, i) => ('text' in e && e.text !== undefined ? [i] : []));
    if (withText.length === 0) return;
    await this.options.client
      .send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { groupId: item.groupId, inboxKey: item.inboxKey },
          UpdateExpression: `REMOVE ${withText.map((i) => `#events[${i}].#text`).join(', ')}`,
          ConditionExpression: 'attribute_exists(inboxKey)',
          ExpressionAttributeNames: { '#events': 'events', '#text': 'text' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  /**
   * Items whose events name the person. The inbox keeps a day of events (dead letters two weeks),
   * so a deletion or access request reads it whole: a bounded Scan, never on a hot path.
   */
  async itemsNaming(userId: string): Promise<InboxItem[]> {
    const items: InboxItem[] = [];
    const pages = paginateScan(
      { client: this.options.client },
      { TableName: this.options.tableName, ProjectionExpression: 'groupId, inboxKey, receivedAt, events' },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as InboxItem[]) {
        if (item.groupId === userId || JSON.stringify(item.events ?? []).includes(userId)) items.push(item);
      }
    }
    return items;
  }

  async scrub(userId: string): Promise<number> {
    const items = await this.itemsNaming(userId);
    for (const item of items) {
      // The person's own 1:1 chat (follow, unfollow) is keyed by their id: the item goes whole.
      if (item.groupId === userId) {
        await this.options.client.send(
          new DeleteCommand({
            TableName: this.options.tableName,
            Key: { groupId: item.groupId, inboxKey: item.inboxKey },
          }),
        );
        continue;
      }
      const events = item.events.flatMap((event): InboxEvent[] => {
        // A friendship event is about the person alone: it goes.
        if ('userId' in event && event.userId === userId && !('groupId' in event)) return [];
        const next = { ...event } as InboxEvent & { userId?: string; members?: string[] };
        if (next.userId === userId) delete next.userId;
        if (next.members) next.members = next.members.filter((m) => m !== userId);
        return [next];
      });
      await this.options.client
        .send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { groupId: item.groupId, inboxKey: item.inboxKey },
            UpdateExpression: 'SET events = :events',
            ConditionExpression: 'attribute_exists(inboxKey)',
            ExpressionAttributeValues: { ':events': events },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
    return items.length;
  }
}
