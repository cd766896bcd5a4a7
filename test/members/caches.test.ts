import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFriendshipStore } from '../../lambda/adapters/dynamodb/friendship-store';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { MemberCache } from '../../lambda/app/members/member-cache';
import { applyFriendshipFacts, type FriendshipDeps } from '../../lambda/app/members/record-friendships';
import { recordMemberFacts } from '../../lambda/app/members/record-members';
import { createTestTables } from '../support/dynamodb';

/**
 * Two processor containers, each with its own cache of what it last read or wrote: what one
 * cached must never make it skip a write the other made necessary.
 */
describe("a process's member cache, with another process writing too", () => {
  let db: Awaited<ReturnType<typeof createTestTables>>;
  let documents: DynamoDBDocumentClient;
  beforeAll(async () => {
    db = await createTestTables();
    documents = DynamoDBDocumentClient.from(db.client, { marshallOptions: { removeUndefinedValues: true } });
  });
  afterAll(() => db.drop());

  const container = (): FriendshipDeps => ({
    members: new DynamoDbMemberStore({ client: documents, tables: db.tables, retentionDays: 180 }),
    friendships: new DynamoDbFriendshipStore({
      client: documents,
      tableName: db.tables.friendships,
      retentionDays: 180,
    }),
    memberCache: new MemberCache(),
    clock: { now: () => new Date() },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    telemetry: { count() {} },
    recheckMs: 7 * 86_400_000,
  });
  const friendsIn = async (deps: FriendshipDeps, groupId: string) =>
    (await deps.members.reach(groupId))?.reach.friends;

  it('an unfollow seen by a container whose cache predates a friendship found elsewhere still lowers the count', async () => {
    const [a, b] = [container(), container()];
    const groupId = `Ccache${Date.now()}`;
    const userId = `U${Date.now()}cache`;
    const t = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    // A records the member (friendship not known yet) and keeps it in its cache.
    await recordMemberFacts(groupId, [{ userId, at: t(0), kind: 'present', source: 'message' }], a);
    expect(await friendsIn(a, groupId)).toBe(0);
    // B (another container: the sweep) learns from LINE that they are a friend.
    await applyFriendshipFacts(userId, [{ kind: 'checked', at: t(1), isFriend: true }], b);
    expect(await friendsIn(a, groupId)).toBe(1);
    // A then processes their unfollow: its cached member says "not counted as a friend".
    await applyFriendshipFacts(userId, [{ kind: 'unfollow', at: t(2) }], a);
    expect(await friendsIn(a, groupId)).toBe(0);
    const [stored] = await a.members.getMany([{ groupId, userId }]);
    expect(stored?.counted).toEqual({ present: true, friend: false });
  });

  it('a follow replayed from a stale cached friendship is counted from what the table holds', async () => {
    const [a, b] = [container(), container()];
    const groupId = `Ccache${Date.now()}b`;
    const userId = `U${Date.now()}cacheb`;
    const t = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    await recordMemberFacts(groupId, [{ userId, at: t(0), kind: 'present', source: 'message' }], a);
    await applyFriendshipFacts(userId, [{ kind: 'follow', at: t(1) }], a);
    expect(await friendsIn(a, groupId)).toBe(1);
    // B learns later that they blocked the account; A still caches the friendship as a friend.
    await applyFriendshipFacts(userId, [{ kind: 'checked', at: t(2), isFriend: false }], b);
    expect(await friendsIn(a, groupId)).toBe(0);
    // A sees the same follow again (a redelivery): nothing to change, and nothing fails.
    await applyFriendshipFacts(userId, [{ kind: 'follow', at: t(1) }], a);
    expect(await friendsIn(a, groupId)).toBe(0);
  });
});
