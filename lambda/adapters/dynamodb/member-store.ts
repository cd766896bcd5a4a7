import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, ReachChangedError } from '../../app/errors';
import type { MemberKey, MemberStore, StoredMember } from '../../app/ports';
import type { Member } from '../../domain/members';
import type { ChatReach } from '../../domain/reach';
import { batchGetAll } from './batch';
import { BY_REACH_INDEX, BY_USER_INDEX, NAMES_DUE_INDEX, type TableRole } from './tables';

export interface DynamoDbMemberStoreOptions {
  client: DynamoDBDocumentClient;
  tables: Pick<Record<TableRole, string>, 'members' | 'chatReach' | 'friendships'>;
  /** A member is deleted (TTL) this many days after they were last seen. */
  retentionDays: number;
  now?: () => Date;
}

interface MemberItem extends Member {
  countedPresent: boolean;
  countedFriend: boolean;
  version: number;
  nameDue?: 'due';
  nameDueAt?: string;
  nameAttempts?: number;
  expiresAt: number;
}

const fromItem = (item: Record<string, unknown>): StoredMember => {
  const {
    countedPresent,
    countedFriend,
    version,
    nameDue: _d,
    nameDueAt: _a,
    nameAttempts: _n,
    expiresAt: _e,
    ...member
  } = item as unknown as MemberItem;
  return { member, counted: { present: countedPresent, friend: countedFriend }, version };
};

/** Listed by reach only while active with a known share (the sparse byReach index). */
const reachItem = (reach: ChatReach, version: number) => ({
  ...reach,
  version,
  ...(reach.active && reach.reach !== undefined && { reachList: 'active' }),
});

const memberKey = ({ groupId, userId }: MemberKey) => ({ groupId, userId });
// Conditions named for the rule they enforce.
const isNew = 'attribute_not_exists(version)';
const isUnchanged = 'version = :expected';

/**
 * The members table and each chat's reach. A member's counts and the chat's counters move in one
 * transaction, conditioned on both versions and on the friendships they were counted by.
 */
export class DynamoDbMemberStore implements MemberStore {
  private readonly now: () => Date;

  constructor(private readonly options: DynamoDbMemberStoreOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private expiresAt(member: Member): number {
    return Math.floor(Date.parse(member.lastSeenAt) / 1000) + this.options.retentionDays * 86_400;
  }

  async getMany(keys: MemberKey[]): Promise<StoredMember[]> {
    const items = await batchGetAll(this.options.client, this.options.tables.members, keys.map(memberKey), {
      consistentRead: true,
    });
    return items.map(fromItem);
  }

  async save(
    changes: Parameters<MemberStore['save']>[0],
    reach?: Parameters<MemberStore['save']>[1],
  ): Promise<void> {
    const now = this.now();
    const { members, chatReach, friendships } = this.options.tables;
    const updates = changes.map(({ member, counted, expectedVersion, nameDue }) => {
      // The facts and what they count for; the name (read separately, newer wins) is left alone.
      const { groupId, userId, displayName: _n, displayNameAt: _a, ...facts } = member;
      const values: Record<string, unknown> = {
        ...facts,
        countedPresent: counted.present,
        countedFriend: counted.friend,
        version: (expectedVersion ?? 0) + 1,
        expiresAt: this.expiresAt(member),
        ...(nameDue &&
          member.status === 'present' && { nameDue: 'due', nameDueAt: now.toISOString(), nameAttempts: 0 }),
      };
      const names = Object.keys(values);
      return {
        Update: {
          TableName: members,
          Key: { groupId, userId },
          UpdateExpression: `SET ${names.map((n, i) => `#a${i} = :a${i}`).join(', ')}`,
          ConditionExpression: expectedVersion === undefined ? isNew : isUnchanged,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((n, i) => [`:a${i}`, values[n]])),
            ...(expectedVersion !== undefined && { ':expected': expectedVersion }),
          },
        },
      };
    });
    const [only] = updates;
    if (!reach && only && updates.length === 1) {
      await this.send(() => this.options.client.send(new UpdateCommand(only.Update)));
      return;
    }
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [...updates];
    if (reach) {
      items.push({
        Put: {
          TableName: chatReach,
          Item: reachItem(reach.reach, (reach.expectedVersion ?? 0) + 1),
          ConditionExpression: reach.expectedVersion === undefined ? isNew : isUnchanged,
          ...(reach.expectedVersion !== undefined && {
            ExpressionAttributeValues: { ':expected': reach.expectedVersion },
          }),
        },
      });
      for (const { userId, isFriend } of reach.friendships) {
        items.push({
          ConditionCheck: {
            TableName: friendships,
            Key: { userId },
            ConditionExpression:
              isFriend === undefined ? 'attribute_not_exists(isFriend)' : 'isFriend = :isFriend',
            ...(isFriend !== undefined && { ExpressionAttributeValues: { ':isFriend': isFriend } }),
          },
        });
      }
    }
    await this.send(async () => {
      try {
        await this.options.client.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        // Refused on the reach alone (another writer moved the chat's counts, size or name): the
        // caller reads the reach again, not the members and friendships it read with it.
        const reasons =
          error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const refused = reasons.flatMap((r, i) => (r.Code && r.Code !== 'None' ? [{ i, code: r.Code }] : []));
        const [only] = refused;
        if (
          reach &&
          refused.length === 1 &&
          only?.i === updates.length &&
          only.code === 'ConditionalCheckFailed'
        )
          throw new ReachChangedError(reach.reach.groupId);
        throw error;
      }
    });
  }

  /** A refused condition (someone changed an item since it was read) is the domain's error. */
  private async send(request: () => Promise<unknown>): Promise<void> {
    try {
      await request();
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException &&
          (error.CancellationReasons ?? []).some(
            (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
          ))
      ) {
        throw new ConcurrentUpdateError('members');
      }
      throw error;
    }
  }

  async ofChat(groupId: string): Promise<StoredMember[]> {
    const members: StoredMember[] = [];
    const pages = paginateQuery(
      { client: this.options.client },
      {
        TableName: this.options.tables.members,
        KeyConditionExpression: 'groupId = :groupId',
        ExpressionAttributeValues: { ':groupId': groupId },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) members.push(...(page.Items ?? []).map(fromItem));
    return members;
  }

  async chatsOf(userId: string): Promise<string[]> {
    const chats: string[] = [];
    const pages = paginateQuery(
      { client: this.options.client },
      {
        TableName: this.options.tables.members,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
      },
    );
    for await (const page of pages) chats.push(...(page.Items ?? []).map((i) => String(i.groupId)));
    return chats;
  }

  async namesDue(now: Date, limit: number): Promise<MemberKey[]> {
    const { Items } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tables.members,
        IndexName: NAMES_DUE_INDEX,
        KeyConditionExpression: 'nameDue = :due AND nameDueAt <= :now',
        ExpressionAttributeValues: { ':due': 'due', ':now': now.toISOString() },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => ({ groupId: String(i.groupId), userId: String(i.userId) }));
  }

  async setName(key: MemberKey, displayName: string, at: Date): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tables.members,
          Key: memberKey(key),
          // Not a fact about membership: the version stays, so no concurrent fact write is refused.
          UpdateExpression:
            'SET displayName = :name, displayNameAt = :at REMOVE nameDue, nameDueAt, nameAttempts',
          ConditionExpression:
            'attribute_exists(version) AND (attribute_not_exists(displayNameAt) OR displayNameAt <= :at)',
          ExpressionAttributeValues: { ':name': displayName, ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // deleted, or a newer read won
    }
  }

  async nameFailed(key: MemberKey, nextAt: Date | undefined): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tables.members,
          Key: memberKey(key),
          // Owed from now on (the sweep asks again), or no more (LINE said they are not in the chat).
          UpdateExpression: nextAt
            ? 'SET nameDue = :due, nameDueAt = :next ADD nameAttempts :one'
            : 'REMOVE nameDue, nameDueAt, nameAttempts',
          ConditionExpression: 'attribute_exists(version)',
          ...(nextAt && {
            ExpressionAttributeValues: { ':due': 'due', ':next': nextAt.toISOString(), ':one': 1 },
          }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async delete(key: MemberKey): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tables.members, Key: memberKey(key) }),
    );
  }

  async reach(groupId: string): Promise<{ reach: ChatReach; version: number } | undefined> {
    const { Item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tables.chatReach, Key: { groupId }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { version, reachList: _l, ...reach } = Item;
    return { reach: reach as ChatReach, version: Number(version) };
  }

  async putReach(reach: ChatReach, expectedVersion: number | undefined): Promise<void> {
    await this.send(() =>
      this.options.client.send(
        new PutCommand({
          TableName: this.options.tables.chatReach,
          Item: reachItem(reach, (expectedVersion ?? 0) + 1),
          ConditionExpression: expectedVersion === undefined ? isNew : isUnchanged,
          ...(expectedVersion !== undefined && {
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
        }),
      ),
    );
  }

  async lowestReach(options: { below?: number; limit?: number }): Promise<ChatReach[]> {
    const chats: ChatReach[] = [];
    const pages = paginateQuery(
      { client: this.options.client },
      {
        TableName: this.options.tables.chatReach,
        IndexName: BY_REACH_INDEX,
        KeyConditionExpression:
          options.below === undefined ? 'reachList = :active' : 'reachList = :active AND reach < :below',
        ExpressionAttributeValues: {
          ':active': 'active',
          ...(options.below !== undefined && { ':below': options.below }),
        },
        ScanIndexForward: true,
        ...(options.limit && { Limit: options.limit }),
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { version: _v, reachList: _l, ...reach } = item;
        chats.push(reach as ChatReach);
      }
      if (options.limit && chats.length >= options.limit) break;
    }
    return options.limit ? chats.slice(0, options.limit) : chats;
  }

  async deleteReach(groupId: string): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tables.chatReach, Key: { groupId } }),
    );
  }
}
