import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { ConcurrentUpdateError, DuplicateEventsError } from '../../lambda/app/errors';
import type { GroupEventRecord } from '../../lambda/app/ports';
import type { Group, GroupStatus } from '../../lambda/domain/group';
import { createTestTables } from '../support/dynamodb';

let db: Awaited<ReturnType<typeof createTestTables>>;
let registry: DynamoDbGroupRegistry;

beforeAll(async () => {
  db = await createTestTables();
  registry = new DynamoDbGroupRegistry({
    client: DynamoDBDocumentClient.from(db.client),
    tables: db.tables,
    eventRetentionDays: 90,
    now: () => new Date('2026-11-25T00:00:00.000Z'),
  });
});
afterAll(() => db.drop());

const group = (groupId: string, status: GroupStatus, statusChangedAt: string): Group => ({
  groupId,
  chatType: 'group',
  firstSeenAt: statusChangedAt,
  joinCount: 1,
  status,
  statusChangedAt,
  ...(status !== 'active' && { leaveReason: status === 'ejected' ? 'second_official_account' : 'removed' }),
});
const record = (groupId: string, webhookEventId: string): GroupEventRecord => ({
  groupId,
  eventKey: `2026-11-24T00:00:00.000Z#${webhookEventId}`,
  webhookEventId,
  eventType: 'join',
  mode: 'active',
  eventAt: '2026-11-24T00:00:00.000Z',
  isRedelivery: false,
  decision: 'activated',
  status: 'active',
  recordedAt: '2026-11-25T00:00:00.000Z',
});

describe('groups table', () => {
  it('is created from the same definition the stack uses: groupId key, byStatus index', async () => {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tables.groups }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'groupId', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'statusChangedAt', KeyType: 'RANGE' },
      ],
    });
  });

  it('answers "ejected since T" through byStatus, newest first, without the others', async () => {
    await registry.save(group('C-old', 'ejected', '2026-11-20T00:00:00.000Z'), undefined, []);
    await registry.save(group('C-new', 'ejected', '2026-11-24T00:00:00.000Z'), undefined, []);
    await registry.save(group('C-newer', 'ejected', '2026-11-24T12:00:00.000Z'), undefined, []);
    await registry.save(group('C-active', 'active', '2026-11-24T00:00:00.000Z'), undefined, []);

    const since = await registry.listByStatus('ejected', { since: '2026-11-23T00:00:00.000Z' });
    expect(since.map((g) => g.groupId)).toEqual(['C-newer', 'C-new']);
    expect(since[0]).not.toHaveProperty('version');
    expect((await registry.listByStatus('ejected', { limit: 1 })).map((g) => g.groupId)).toEqual(['C-newer']);
    expect((await registry.listByStatus('active')).map((g) => g.groupId)).toEqual(['C-active']);
  });

  it('refuses a save on a stale version, and writes nothing', async () => {
    await registry.save(group('C-race', 'active', '2026-11-24T00:00:00.000Z'), undefined, []);
    const loaded = await registry.load('C-race');
    await registry.save({ ...loaded!.group, joinCount: 2 }, loaded!.version, []);
    await expect(
      registry.save({ ...loaded!.group, joinCount: 99 }, loaded!.version, [record('C-race', 'E-race')]),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await registry.get('C-race'))?.joinCount).toBe(2);
    expect(await registry.recentEvents('C-race')).toEqual([]);
  });

  it('refuses a save that repeats a recorded event, naming it, and writes nothing', async () => {
    await registry.save(group('C-dup', 'active', '2026-11-24T00:00:00.000Z'), undefined, [
      record('C-dup', 'E1'),
    ]);
    const loaded = await registry.load('C-dup');
    const error = await registry
      .save({ ...loaded!.group, joinCount: 5 }, loaded!.version, [
        record('C-dup', 'E2'),
        record('C-dup', 'E1'),
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateEventsError);
    expect((error as DuplicateEventsError).webhookEventIds).toEqual(['E1']);
    expect((await registry.get('C-dup'))?.joinCount).toBe(1);
    expect((await registry.recentEvents('C-dup')).map((e) => e.webhookEventId)).toEqual(['E1']);
  });

  it('keeps event records with a TTL of the retention period', async () => {
    await registry.save(group('C-ttl', 'active', '2026-11-24T00:00:00.000Z'), undefined, [
      record('C-ttl', 'E-ttl'),
    ]);
    const [event] = (await registry.recentEvents('C-ttl')) as (GroupEventRecord & { expiresAt: number })[];
    expect(event!.expiresAt).toBe(Date.parse('2026-11-25T00:00:00.000Z') / 1000 + 90 * 86_400);
  });
});
