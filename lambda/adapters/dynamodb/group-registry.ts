import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  QueryCommand,
  type TransactWriteCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentUpdateError, DuplicateEventsError } from '../../app/errors';
import type {
  GroupDirectory,
  GroupEventRecord,
  GroupRegistry,
  OutboxEntry,
  PendingReply,
  RegistryChange,
  StoredGroup,
  TouchResult,
} from '../../app/ports';
import type { Group, GroupStatus } from '../../domain/group';
import { isRoutineActivity } from '../../domain/lifecycle';
import { batchGetAll } from './batch';
import { BY_ENRICHMENT_DUE_INDEX, BY_STATUS_INDEX, type TableRole } from './tables';

// DynamoDB allows 100 items per transaction: the chat, its events, the status count, a day count
// per day the events fall on, two leave bursts, recounted leaves and the outbox entry.
export const MAX_EVENTS_PER_SAVE = 45;
const MAX_TRANSACTION_ITEMS = 100;
/** Event records' keys are `<ISO time>#<id>`: they all sort below this (outbox entries above). */
const RECORDS_END = ':';

interface GroupItem extends Group {
  version: number;
  updatedAt: string;
}

export interface DynamoDbGroupRegistryOptions {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  /** How long event records are kept (TTL), in days. */
  eventRetentionDays: number;
  now?: () => Date;
}

// Conditions named for the rule they enforce (see DynamoDBPersistenceLayer in Powertools).
const groupIsNew = 'attribute_not_exists(groupId)';
const groupIsUnchanged = 'version = :expectedVersion';
const eventIsNew = 'attribute_not_exists(eventKey)';
/**
 * `isRoutineActivity` (lifecycle.ts) as a condition on the item: active, and joined (or, never
 * joined, first seen) more than the ejection window before the earliest event, with no leave since
 * that join.
 */
const routineActivity =
  '#status = :active AND (' +
  '(joinedAt <= :windowStart AND (attribute_not_exists(leftAt) OR leftAt < joinedAt)) OR ' +
  '(attribute_not_exists(joinedAt) AND attribute_not_exists(leftAt) AND attribute_not_exists(notMemberAt) ' +
  'AND firstSeenAt <= :windowStart))';
/** `lastActivityAt` only ever moves forward: a maximum, so a redelivery or a stale event changes nothing. */
const activityIsNewer = '(attribute_not_exists(lastActivityAt) OR lastActivityAt < :at)';

/** Chats read per request while searching by name, and at most per screen. */
const SEARCH_STEP = 500;
const SEARCH_BUDGET = 5000;

/** An outbox entry as the group events table keeps it (in the sparse outbox index until done). */
export const toOutboxItem = (entry: OutboxEntry) => ({
  ...entry,
  eventKey: entry.entryKey,
  outbox: 'pending',
});

/** A chat's key in the byStatus index: where the next screen starts. */
const indexKeyOf = (group: Group) => ({
  groupId: group.groupId,
  status: group.status,
  statusChangedAt: group.statusChangedAt,
});

const fromItem = (item: Record<string, unknown>): StoredGroup => {
  const { version, updatedAt: _updatedAt, ...group } = item as unknown as GroupItem;
  return { group, version };
};

export class DynamoDbGroupRegistry implements GroupRegistry, GroupDirectory {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDbGroupRegistryOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async load(groupId: string): Promise<StoredGroup | undefined> {
    const { Item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tables.groups, Key: { groupId }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async loadMany(groupIds: string[]): Promise<StoredGroup[]> {
    const items = await batchGetAll(
      this.options.client,
      this.options.tables.groups,
      [...new Set(groupIds)].map((groupId) => ({ groupId })),
      { consistentRead: true },
    );
    return items.map(fromItem);
  }

  async saveMany(saves: { group: Group; expectedVersion: number; event: GroupEventRecord }[]): Promise<void> {
    if (saves.length * 2 > MAX_TRANSACTION_ITEMS)
      throw new RangeError(`at most ${MAX_TRANSACTION_ITEMS / 2} chats per saveMany`);
    const now = this.now();
    const expiresAt = this.expiresAt(now);
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: saves.flatMap(({ group, expectedVersion, event }) => [
            {
              Put: {
                TableName: this.options.tables.groups,
                Item: { ...group, version: expectedVersion + 1, updatedAt: now.toISOString() },
                ConditionExpression: groupIsUnchanged,
                ExpressionAttributeValues: { ':expectedVersion': expectedVersion },
              },
            },
            {
              Put: {
                TableName: this.options.tables.groupEvents,
                Item: { ...event, expiresAt },
                ConditionExpression: eventIsNew,
              },
            },
          ]),
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const duplicates = saves.filter((_, i) => reasons[2 * i + 1]?.Code === 'ConditionalCheckFailed');
      if (duplicates.length > 0)
        throw new DuplicateEventsError(duplicates.map((d) => d.event.webhookEventId));
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict'))
        throw new ConcurrentUpdateError(saves.map((d) => d.group.groupId).join(','));
      throw error;
    }
  }

  async touchActivity(
    groupId: string,
    span: { earliest: string; latest: string },
    ejectionWindowMs: number,
  ): Promise<TouchResult> {
    const now = this.now();
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tables.groups,
          Key: { groupId },
          // The version moves too, so a writer that loaded the chat before cannot overwrite this.
          UpdateExpression: 'SET lastActivityAt = :at, updatedAt = :now ADD version :one',
          ConditionExpression: `${routineActivity} AND ${activityIsNewer}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':active': 'active',
            ':windowStart': new Date(Date.parse(span.earliest) - ejectionWindowMs).toISOString(),
            ':at': span.latest,
            ':now': now.toISOString(),
            ':one': 1,
          },
          // The chat as it was when the condition failed, at no extra read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return { applied: false, stored: undefined };
      const stored = fromItem(unmarshall(error.Item));
      const { group } = stored;
      const alreadyThere =
        isRoutineActivity(group, span.earliest, { ejectionWindowMs }) &&
        (group.lastActivityAt ?? '') >= span.latest;
      return alreadyThere ? { applied: true } : { applied: false, stored };
    }
  }

  async dueForEnrichment(now: Date, limit: number): Promise<string[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tables.groups,
        IndexName: BY_ENRICHMENT_DUE_INDEX,
        KeyConditionExpression: 'enrichment = :due AND enrichmentDueAt <= :now',
        ExpressionAttributeValues: { ':due': 'due', ':now': now.toISOString() },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => String(item.groupId));
  }

  async save(
    group: Group,
    expectedVersion: number | undefined,
    events: GroupEventRecord[],
    change: RegistryChange = {},
  ): Promise<void> {
    if (events.length > MAX_EVENTS_PER_SAVE)
      throw new RangeError(`at most ${MAX_EVENTS_PER_SAVE} events per save`);
    const now = this.now();
    const expiresAt = this.expiresAt(now);
    const item: GroupItem = { ...group, version: (expectedVersion ?? 0) + 1, updatedAt: now.toISOString() };
    const input: TransactWriteCommandInput = {
      TransactItems: [
        {
          Put: {
            TableName: this.options.tables.groups,
            Item: item,
            ConditionExpression: expectedVersion === undefined ? groupIsNew : groupIsUnchanged,
            ...(expectedVersion !== undefined && {
              ExpressionAttributeValues: { ':expectedVersion': expectedVersion },
            }),
          },
        },
        ...events.map((event) => ({
          Put: {
            TableName: this.options.tables.groupEvents,
            Item: { ...event, expiresAt },
            ConditionExpression: eventIsNew,
          },
        })),
        ...this.countUpdates(group, change),
        ...(change.recounted ?? []).map(({ eventKey, from, to }) => ({
          Update: {
            TableName: this.options.tables.groupEvents,
            Key: { groupId: group.groupId, eventKey },
            UpdateExpression: 'SET countedAs = :to',
            // Moved once: a concurrent save that moved it first makes this one load again.
            ConditionExpression: 'countedAs = :from',
            ExpressionAttributeValues: { ':from': from, ':to': to },
          },
        })),
        ...(change.outbox
          ? [
              {
                Put: {
                  TableName: this.options.tables.groupEvents,
                  Item: { ...toOutboxItem(change.outbox), expiresAt },
                },
              },
            ]
          : []),
      ],
    };
    if ((input.TransactItems?.length ?? 0) > MAX_TRANSACTION_ITEMS)
      throw new RangeError(
        `a save of ${input.TransactItems?.length} items exceeds DynamoDB's ${MAX_TRANSACTION_ITEMS}`,
      );
    try {
      await this.options.client.send(new TransactWriteCommand(input));
    } catch (error) {
      throw this.translate(error, group.groupId, events);
    }
  }

  /** The counts a save changes, as transaction items: they move exactly when the chat does. */
  private countUpdates(
    group: Group,
    change: RegistryChange,
  ): NonNullable<TransactWriteCommandInput['TransactItems']> {
    const TableName = this.options.tables.registryStats;
    const updates: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    const { previous } = change;
    if (previous !== undefined && previous?.status !== group.status) {
      const from = previous?.status;
      updates.push({
        Update: {
          TableName,
          Key: { statKey: 'status' },
          UpdateExpression: from ? 'ADD #to :one, #from :minus' : 'ADD #to :one',
          ExpressionAttributeNames: { '#to': group.status, ...(from && { '#from': from }) },
          ExpressionAttributeValues: { ':one': 1, ...(from && { ':minus': -1 }) },
        },
      });
    }
    const byDay = new Map<string, Map<string, number>>();
    for (const { day, kind, delta } of change.days ?? []) {
      const kinds = byDay.get(day) ?? new Map<string, number>();
      kinds.set(kind, (kinds.get(kind) ?? 0) + delta);
      byDay.set(day, kinds);
    }
    for (const [day, kinds] of byDay) {
      const moved = [...kinds].filter(([, delta]) => delta !== 0);
      if (moved.length === 0) continue;
      updates.push({
        Update: {
          TableName,
          Key: { statKey: `day#${day}` },
          UpdateExpression: `SET #day = :day ADD ${moved.map((_, i) => `#k${i} :d${i}`).join(', ')}`,
          ExpressionAttributeNames: {
            '#day': 'day',
            ...Object.fromEntries(moved.map(([kind], i) => [`#k${i}`, kind])),
          },
          ExpressionAttributeValues: {
            ':day': day,
            ...Object.fromEntries(moved.map(([, delta], i) => [`:d${i}`, delta])),
          },
        },
      });
    }
    for (const burst of change.bursts ?? []) {
      updates.push({
        Update: {
          TableName,
          Key: { statKey: burst.burstId },
          // The first leave counted fixes how many chats were active when the burst began.
          UpdateExpression:
            'ADD leaves :one SET activeAtStart = if_not_exists(activeAtStart, :active), windowStart = :start, windowEnd = :end',
          ExpressionAttributeValues: {
            ':one': 1,
            ':active': burst.activeAtStart,
            ':start': burst.windowStart,
            ':end': burst.windowEnd,
          },
        },
      });
    }
    return updates;
  }

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.options.eventRetentionDays * 86_400;
  }

  /** Turns DynamoDB's cancellation reasons into the domain's errors; callers never see AWS names. */
  private translate(error: unknown, groupId: string, events: GroupEventRecord[]): unknown {
    if (!(error instanceof TransactionCanceledException)) return error;
    const reasons = error.CancellationReasons ?? [];
    const duplicates = events.filter((_, i) => reasons[i + 1]?.Code === 'ConditionalCheckFailed');
    if (duplicates.length > 0) return new DuplicateEventsError(duplicates.map((e) => e.webhookEventId));
    if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
      return new ConcurrentUpdateError(groupId);
    }
    return error;
  }

  /** Many chats, one round trip per 100 (BatchGetItem), by groupId. */
  async getMany(groupIds: string[]): Promise<Map<string, Group>> {
    const items = await batchGetAll(
      this.options.client,
      this.options.tables.groups,
      [...new Set(groupIds)].map((groupId) => ({ groupId })),
      { consistentRead: true },
    );
    return new Map(items.map((item) => fromItem(item).group).map((group) => [group.groupId, group]));
  }

  async get(groupId: string): Promise<Group | undefined> {
    return (await this.load(groupId))?.group;
  }

  /**
   * Chats with a status, newest change first, through the byStatus index (a Query, never a Scan):
   * the attributes the index projects (not `lastActivityAt`; `get` has the whole chat).
   */
  async listByStatus(
    status: GroupStatus,
    options: { since?: string; limit?: number } = {},
  ): Promise<Group[]> {
    const groups: Group[] = [];
    for await (const page of this.pagesByStatus(status, options)) {
      groups.push(...page);
      if (options.limit && groups.length >= options.limit) break;
    }
    return options.limit ? groups.slice(0, options.limit) : groups;
  }

  /** The same, a page (up to 1 MB) at a time, so a million groups never sit in memory at once. */
  async *pagesByStatus(
    status: GroupStatus,
    options: { since?: string; limit?: number } = {},
  ): AsyncGenerator<Group[]> {
    const pages = paginateQuery(
      { client: this.options.client },
      {
        TableName: this.options.tables.groups,
        IndexName: BY_STATUS_INDEX,
        KeyConditionExpression: options.since
          ? '#status = :status AND statusChangedAt >= :since'
          : '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ...(options.since && { ':since': options.since }) },
        ScanIndexForward: false,
        ...(options.limit && { Limit: options.limit }),
      },
    );
    for await (const page of pages) {
      yield (page.Items ?? []).map((item) => fromItem(item).group);
    }
  }

  async page(
    status: GroupStatus,
    options: { limit: number; q?: string; cursor?: string },
  ): Promise<{ groups: Group[]; cursor?: string }> {
    const groups: Group[] = [];
    let start = options.cursor
      ? (JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as Record<string, unknown>)
      : undefined;
    // A name filter is applied after the read: read in larger steps, and stop after a bounded
    // number of chats looked at, so a rare name still answers quickly (with a cursor to go on).
    let examined = 0;
    do {
      const { Items, LastEvaluatedKey, ScannedCount } = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tables.groups,
          IndexName: BY_STATUS_INDEX,
          KeyConditionExpression: '#status = :status',
          ...(options.q && { FilterExpression: 'contains(groupName, :q)' }),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ...(options.q && { ':q': options.q }) },
          ScanIndexForward: false,
          Limit: options.q ? SEARCH_STEP : options.limit - groups.length,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      examined += ScannedCount ?? 0;
      const items = Items ?? [];
      const taken = items.slice(0, options.limit - groups.length).map((item) => fromItem(item).group);
      groups.push(...taken);
      // A screen filled in the middle of a read goes on after its last chat, not after the read.
      const last = taken.at(-1);
      start = taken.length < items.length && last ? indexKeyOf(last) : LastEvaluatedKey;
    } while (start && groups.length < options.limit && examined < SEARCH_BUDGET);
    return {
      groups,
      ...(start && { cursor: Buffer.from(JSON.stringify(start)).toString('base64url') }),
    };
  }

  /** The chat's most recent event records, newest first. */
  async recentEvents(groupId: string, limit = 20): Promise<GroupEventRecord[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tables.groupEvents,
        KeyConditionExpression: 'groupId = :groupId AND eventKey < :end',
        ExpressionAttributeValues: { ':groupId': groupId, ':end': RECORDS_END },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []) as GroupEventRecord[];
  }

  async eventsBetween(groupId: string, from: string, to: string): Promise<GroupEventRecord[]> {
    const records: GroupEventRecord[] = [];
    const pages = paginateQuery(
      { client: this.options.client },
      {
        TableName: this.options.tables.groupEvents,
        // `<time>#<id>`: '~' sorts after every id, so records at `to` itself are included.
        KeyConditionExpression: 'groupId = :groupId AND eventKey BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':groupId': groupId, ':from': from, ':to': `${to}#~` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) records.push(...((page.Items ?? []) as GroupEventRecord[]));
    return records;
  }

  async replyMissed(groupId: string, reply: PendingReply, status: 'failed' | 'expired'): Promise<void> {
    const { cooldown } = reply;
    const now = this.now().toISOString();
    await Promise.all([
      this.options.client
        .send(
          new UpdateCommand({
            TableName: this.options.tables.groupEvents,
            Key: { groupId, eventKey: reply.eventKey },
            UpdateExpression: 'SET replyStatus = :status',
            ConditionExpression: 'attribute_exists(eventKey)',
            ExpressionAttributeValues: { ':status': status },
          }),
        )
        .catch((error: unknown) => {
          // An attendance reply answers an event the registry did not record: nothing to note.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }),
      cooldown &&
        this.options.client
          .send(
            new UpdateCommand({
              TableName: this.options.tables.groups,
              Key: { groupId },
              // The version moves: a writer that loaded the chat before cannot put the cool-down back.
              UpdateExpression: `${cooldown.previous ? 'SET #field = :previous, updatedAt = :now' : 'SET updatedAt = :now REMOVE #field'} ADD version :one`,
              // Only the cool-down this reply started: a later one stays.
              ConditionExpression: '#field = :at',
              ExpressionAttributeNames: { '#field': cooldown.field },
              ExpressionAttributeValues: {
                ':at': reply.eventAt,
                ':now': now,
                ':one': 1,
                ...(cooldown.previous && { ':previous': cooldown.previous }),
              },
            }),
          )
          .catch((error: unknown) => {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }),
    ]);
  }
}
