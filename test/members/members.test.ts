import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import type { ReachRow } from '../../lambda/app/members/queries';
import { groupsCommand } from '../../lib/cli/groups';
import { membersCommand } from '../../lib/cli/members';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { startHarness, type Harness } from '../support/webhook-harness';

/** Who is in each chat, who of them a broadcast reaches, and their data kept as the law expects. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** The emulator's control API: who is whose friend, who is in which chat, by what name. */
async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${h.line.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}
const cli = async (
  command: (argv: string[], out: (t: string) => void, env: NodeJS.ProcessEnv) => Promise<number>,
  argv: string[],
) => {
  const out: string[] = [];
  const code = await command([...argv, '--json'], (t) => out.push(t), {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-channel-access-token',
    ...environmentFor(h.tables),
  });
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as Record<string, unknown>;
};
const members = async (groupId: string) =>
  ((await cli(membersCommand, ['list', groupId])).members as { userId: string }[]).reduce<
    Record<string, Record<string, unknown>>
  >((byUser, m) => ({ ...byUser, [m.userId]: m }), {});
const reachOf = async (groupId: string) =>
  ((await cli(groupsCommand, ['reach'])).chats as ReachRow[]).find((c) => c.groupId === groupId);
const hour = 3_600_000;
/** A follow or unfollow as LINE has it: the emulator's friendship first, then the 1:1 event, now. */
async function follows(userId: string, friend: boolean, options: { isUnblocked?: boolean } = {}) {
  await control('PUT', `/emulator/friends/${userId}`, { friend });
  await h.post([
    friend
      ? webhookEvents.follow(userId, { timestamp: Date.now(), ...options })
      : webhookEvents.unfollow(userId, { timestamp: Date.now() }),
  ]);
}

describe('members and reach, as a new user would try them', () => {
  it('joined, spoke, followed or not: each member with the right name and friendship; reach follows; a leave lowers it', async () => {
    const groupId = newGroupId();
    const [joinedFriend, joinedOther, friend, unfollowed, unknown] = [
      newUserId(),
      newUserId(),
      newUserId(),
      newUserId(),
      newUserId(),
    ];
    await control('PUT', `/emulator/friends/${joinedFriend}`, { friend: true });
    for (const [userId, displayName] of [
      [joinedFriend, '山田'],
      [joinedOther, '佐藤'],
      [friend, '鈴木'],
      [unfollowed, '高橋'],
      [unknown, '田中'],
    ] as const)
      await control('PUT', `/emulator/chats/${groupId}/members/${userId}`, { displayName });
    await control('PUT', `/emulator/chats/${groupId}`, { groupName: '店長会', memberCount: 10 });
    const t = Date.now();
    await h.post([webhookEvents.join(groupId, { timestamp: t - 2 * hour })]);
    await h.post([webhookEvents.memberJoined(groupId, [joinedFriend, joinedOther], { timestamp: t - hour })]);
    await follows(friend, true);
    await follows(unfollowed, true);
    await follows(unfollowed, false);
    await h.post([
      webhookEvents.message(groupId, 'こんにちは', { userId: friend, timestamp: t - 60_000 }),
      webhookEvents.message(groupId, 'どうも', { userId: unfollowed, timestamp: t - 50_000 }),
      webhookEvents.message(groupId, 'はじめまして', { userId: unknown, timestamp: t - 40_000 }),
    ]);
    await h.processing.sweep(); // what LINE still owes (names, friendship checks)

    const listed = await members(groupId);
    expect(Object.keys(listed).sort()).toEqual(
      [joinedFriend, joinedOther, friend, unfollowed, unknown].sort(),
    );
    expect(listed[joinedFriend]).toMatchObject({ displayName: '山田', status: 'present', isFriend: true });
    expect(listed[joinedOther]).toMatchObject({ displayName: '佐藤', status: 'present', isFriend: false });
    expect(listed[friend]).toMatchObject({ displayName: '鈴木', status: 'present', isFriend: true });
    expect(listed[unfollowed]).toMatchObject({ displayName: '高橋', status: 'present', isFriend: false });
    expect(listed[unknown]).toMatchObject({ displayName: '田中', status: 'present', isFriend: false });
    expect(await reachOf(groupId)).toEqual({
      groupId,
      groupName: '店長会',
      memberCount: 10,
      knownMembers: 5,
      friends: 2,
      reach: 0.2,
    });

    await h.post([webhookEvents.memberLeft(groupId, [joinedFriend], { timestamp: t - 30_000 })]);
    expect((await members(groupId))[joinedFriend]).toMatchObject({ status: 'left' });
    expect(await reachOf(groupId)).toMatchObject({ knownMembers: 4, friends: 1 });
    const shown = (await cli(groupsCommand, ['show', groupId])).group;
    expect(shown).toMatchObject({ knownMembers: 4, friends: 1, reach: 0.1 });
  });

  it('a follow after an unfollow counts the member as a friend again, in every chat they are in', async () => {
    const [a, b] = [newGroupId(), newGroupId()];
    const user = newUserId();
    const t = Date.now();
    await h.post([
      webhookEvents.join(a, { timestamp: t - hour }),
      webhookEvents.join(b, { timestamp: t - hour }),
    ]);
    await h.post([
      webhookEvents.memberJoined(a, [user], { timestamp: t - 1000 }),
      webhookEvents.memberJoined(b, [user], { timestamp: t - 1000 }),
    ]);
    await follows(user, false);
    expect([(await reachOf(a))?.friends, (await reachOf(b))?.friends]).toEqual([0, 0]);
    const followedAt = Date.now();
    await follows(user, true, { isUnblocked: true });
    expect([(await reachOf(a))?.friends, (await reachOf(b))?.friends]).toEqual([1, 1]);
    // An older unfollow arriving late changes nothing: the latest fact wins.
    await h.post([webhookEvents.unfollow(user, { timestamp: followedAt - 100 })]);
    expect([(await reachOf(a))?.friends, (await reachOf(b))?.friends]).toEqual([1, 1]);
  });

  it('events without a sender (PC users, no consent) change nothing and fail nothing', async () => {
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: Date.now() - hour })]);
    const noSender = webhookEvents.message(groupId, 'hi', { userId: null });
    const failuresBefore = h.recorder.metric('processingFailures');
    expect((await h.post([noSender])).statusCode).toBe(200);
    expect(await members(groupId)).toEqual({});
    expect(h.recorder.metric('processingFailures')).toBe(failuresBefore);
  });
});

describe('personal data', () => {
  /** Every item of every table, as JSON: what a full read of the stores finds. */
  async function everything(): Promise<string> {
    const items: unknown[] = [];
    for (const TableName of Object.values(h.tables)) {
      for await (const page of paginateScan({ client: h.documents }, { TableName }))
        items.push(...(page.Items ?? []));
    }
    return JSON.stringify(items);
  }

  it('export shows everything held about a person; forget leaves no trace of them in any table', async () => {
    const [a, b] = [newGroupId(), newGroupId()];
    const user = newUserId();
    const other = newUserId();
    const t = Date.now();
    await control('PUT', `/emulator/chats/${a}/members/${user}`, { displayName: '消える人' });
    await h.post([
      webhookEvents.join(a, { timestamp: t - hour }),
      webhookEvents.join(b, { timestamp: t - hour }),
    ]);
    await h.post([webhookEvents.memberJoined(a, [user, other], { timestamp: t - 2000 })]);
    await h.post([webhookEvents.message(b, 'hi', { userId: user, timestamp: t - 1000 })]);
    await follows(user, true);
    expect(await everything()).toContain(user);

    const exported = (await cli(membersCommand, ['export', user])).held as Record<string, unknown[]>;
    expect(exported.members?.map((m) => (m as { groupId: string }).groupId).sort()).toEqual([a, b].sort());
    expect(exported.friendships).toEqual([expect.objectContaining({ userId: user, isFriend: true })]);
    expect(exported.inbox?.length).toBeGreaterThan(0);

    const forgotten = (await cli(membersCommand, ['forget', user])).deleted as Record<string, number>;
    expect(forgotten).toMatchObject({ members: 2, friendships: 1 });
    expect(await everything()).not.toContain(user);
    // The others stay, and the chats' counts no longer count the person.
    expect(Object.keys(await members(a))).toEqual([other]);
    expect((await reachOf(a))?.knownMembers).toBe(1);
  });
});

describe("LINE's member list", () => {
  it('a 403 (not a verified or premium account) is silent: members come from events only', async () => {
    const groupId = newGroupId();
    await control('PUT', '/emulator/account', { verified: false });
    const warnsBefore = h.recorder.lines.filter((l) => l.level === 'warn' || l.level === 'error').length;
    await h.post([webhookEvents.join(groupId, { replyToken: h.line.state.issueReplyToken(groupId) })]);
    expect(h.recorder.lines.filter((l) => l.level === 'warn' || l.level === 'error').length).toBe(
      warnsBefore,
    );
    expect(await members(groupId)).toEqual({});
  });

  it('a verified account lists the members after a join; a 429 is waited out', async () => {
    const fresh = await startHarness();
    try {
      const groupId = newGroupId();
      const ids = Array.from({ length: 150 }, () => newUserId());
      await fetch(`${fresh.line.url}/emulator/account`, {
        method: 'PUT',
        body: JSON.stringify({ verified: true }),
      });
      for (const id of ids) {
        await fetch(`${fresh.line.url}/emulator/chats/${groupId}/members/${id}`, {
          method: 'PUT',
          body: '{}',
        });
      }
      fresh.line.state.faults.push({ match: '/members/ids', status: 429, retryAfterSeconds: 1, count: 1 });
      await fresh.post([webhookEvents.join(groupId, { timestamp: Date.now() })]);
      const listed = await fresh.runtime.processing.people.members.ofChat(groupId);
      expect(listed.map((m) => m.member.userId).sort()).toEqual([...ids].sort());
      expect((await fresh.runtime.processing.people.members.reach(groupId))?.reach.knownMembers).toBe(150);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});
