import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { newGroupId, newRoomId, newUserId } from '../../lib/local/simulator/webhook-events';

// People on the emulated LINE platform, over HTTP as the bot (LINE's SDK) and a tester (the control
// API) reach them: who is whose friend, who is in which chat, and the reads LINE allows on them.
const TOKEN = 'emulator-people-token';
let line: LineEmulator;
let client: messagingApi.MessagingApiClient;
beforeEach(async () => {
  line = await startLineEmulator({ channelAccessToken: TOKEN });
  client = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: line.url });
});
afterEach(() => line.close());

/** A LINE API read as the bot sends it; the answer as it came. */
async function read(path: string) {
  const response = await fetch(`${line.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}
async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${line.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HTTPFetchError);
  return { status: (error as HTTPFetchError).status, body: JSON.parse((error as HTTPFetchError).body) };
};
const NOT_FOUND = { status: 404, body: { message: 'Not found' } };
const FORBIDDEN = { status: 403, body: { message: 'Access to this API is not available for your account' } };
const memberCount = (chatId: string) => line.state.chat(chatId).memberCount;

describe('member profiles in a chat', () => {
  it('answer for anyone in the chat, friend or not, with the name LINE shows', async () => {
    const group = newGroupId();
    const [hanako, stranger] = [newUserId(), newUserId()];
    expect(
      (await control('PUT', `/emulator/chats/${group}/members/${hanako}`, { displayName: '花子' })).status,
    ).toBe(200);

    expect(await client.getGroupMemberProfile(group, hanako)).toEqual({
      displayName: '花子',
      userId: hanako,
      pictureUrl: expect.stringMatching(/^https:\/\//),
    });
    // Not a friend, so the profile API knows nothing of her.
    expect(await failure(client.getProfile(hanako))).toEqual(NOT_FOUND);
    // Someone the emulator never heard of has a made-up name that stays the same.
    const once = await client.getGroupMemberProfile(group, stranger);
    expect(once).toEqual({
      displayName: `User ${stranger.slice(-4)}`,
      userId: stranger,
      pictureUrl: once.pictureUrl,
    });
    expect(await client.getGroupMemberProfile(group, stranger)).toEqual(once);
  });

  it('answer 404 for someone who left the chat, and for anyone once the OA is not in it', async () => {
    const group = newGroupId();
    const [left, stays] = [newUserId(), newUserId()];
    await control('PUT', `/emulator/chats/${group}/members/${left}`, {});
    await control('DELETE', `/emulator/chats/${group}/members/${left}`);

    expect(await failure(client.getGroupMemberProfile(group, left))).toEqual(NOT_FOUND);
    expect((await client.getGroupMemberProfile(group, stays)).userId).toBe(stays);
    await client.leaveGroup(group);
    expect(await failure(client.getGroupMemberProfile(group, stays))).toEqual(NOT_FOUND);
  });

  it('in a multi-person chat through the room endpoint only', async () => {
    const room = newRoomId();
    const userId = newUserId();
    await control('PUT', `/emulator/chats/${room}/members/${userId}`, {
      displayName: 'Ken',
      pictureUrl: null,
    });

    expect(await client.getRoomMemberProfile(room, userId)).toEqual({ displayName: 'Ken', userId });
    expect(await failure(client.getGroupMemberProfile(room, userId))).toEqual(NOT_FOUND);
  });
});

describe('the profile API answers for friends only', () => {
  it('404 for a stranger; a friend’s profile; 404 again once they block the OA', async () => {
    const userId = newUserId();
    expect(await failure(client.getProfile(userId))).toEqual(NOT_FOUND);

    const friended = await control('PUT', `/emulator/friends/${userId}`, {
      friend: true,
      displayName: 'LINE太郎',
    });
    expect(friended.body).toMatchObject({ userId, displayName: 'LINE太郎', friend: true, blocked: false });
    expect(await client.getProfile(userId)).toEqual({
      displayName: 'LINE太郎',
      userId,
      pictureUrl: expect.stringMatching(/^https:\/\//),
      language: 'ja',
    });

    await control('PUT', `/emulator/friends/${userId}`, { friend: false });
    expect(await failure(client.getProfile(userId))).toEqual(NOT_FOUND);
    expect((await control('GET', `/emulator/friends/${userId}`)).body).toMatchObject({
      friend: false,
      blocked: true,
    });
    // The same name in every chat: LINE shows one display name per user.
    expect((await client.getGroupMemberProfile(newGroupId(), userId)).displayName).toBe('LINE太郎');
  });

  it('someone who never was a friend is not blocked either', async () => {
    const userId = newUserId();
    await control('PUT', `/emulator/friends/${userId}`, { friend: false });
    expect((await control('GET', `/emulator/friends/${userId}`)).body).toMatchObject({
      friend: false,
      blocked: false,
    });
  });
});

describe('member and follower ids: verified or premium accounts only, paged as LINE pages them', () => {
  const join = async (chatId: string, count: number) => {
    const ids = Array.from({ length: count }, newUserId);
    for (const userId of ids) await control('PUT', `/emulator/chats/${chatId}/members/${userId}`, {});
    return ids;
  };

  it("403 with LINE's message for an account that is neither (the default)", async () => {
    const group = newGroupId();
    await join(group, 2);
    expect(await control('GET', '/emulator/account')).toEqual({ status: 200, body: { verified: false } });
    expect(await failure(client.getGroupMembersIds(group))).toEqual(FORBIDDEN);
    expect(await failure(client.getRoomMembersIds(newRoomId()))).toEqual(FORBIDDEN);
    expect(await failure(client.getFollowers())).toEqual(FORBIDDEN);
  });

  it('verified: 100 ids a page in the order they joined, without those who left; no next on the last page', async () => {
    const group = newGroupId();
    const ids = await join(group, 251);
    await control('DELETE', `/emulator/chats/${group}/members/${ids[7]}`);
    expect(await control('PUT', '/emulator/account', { verified: true })).toEqual({
      status: 200,
      body: { verified: true },
    });

    const pages: messagingApi.MembersIdsResponse[] = [];
    let start: string | undefined;
    do {
      const page = await client.getGroupMembersIds(group, start);
      pages.push(page);
      start = page.next;
    } while (start);

    expect(pages.map((p) => [p.memberIds.length, typeof p.next])).toEqual([
      [100, 'string'],
      [100, 'string'],
      [50, 'undefined'],
    ]);
    expect(pages.flatMap((p) => p.memberIds)).toEqual(ids.filter((_, i) => i !== 7));
  });

  it('exactly one page is one answer with no next; rooms the same; 404 where the OA is not', async () => {
    await control('PUT', '/emulator/account', { verified: true });
    const group = newGroupId();
    const ids = await join(group, 100);
    expect(await client.getGroupMembersIds(group)).toEqual({ memberIds: ids });
    const room = newRoomId();
    const inRoom = await join(room, 2);
    expect(await client.getRoomMembersIds(room)).toEqual({ memberIds: inRoom });
    expect(await client.getGroupMembersIds(newGroupId())).toEqual({ memberIds: [] });
    await client.leaveGroup(group);
    expect(await failure(client.getGroupMembersIds(group))).toEqual(NOT_FOUND);
  });

  it('followers: friends only, `limit` ids a page (300 by default, 1,000 at most)', async () => {
    await control('PUT', '/emulator/account', { verified: true });
    const friends = Array.from({ length: 1002 }, newUserId);
    for (const userId of friends) line.state.people.setFriend(userId, true);
    line.state.people.setFriend(friends[3]!, false); // blocked
    await control('PUT', `/emulator/chats/${newGroupId()}/members/${newUserId()}`, {}); // not a friend
    const following = friends.filter((_, i) => i !== 3);

    const first = await client.getFollowers();
    expect([first.userIds.length, first.userIds[0]]).toEqual([300, following[0]]);
    const rest = await client.getFollowers(first.next, 1000);
    expect([rest.userIds.length, rest.next]).toEqual([701, undefined]);
    expect([...first.userIds, ...rest.userIds]).toEqual(following);
    expect((await client.getFollowers(undefined, 1000)).next).toEqual(expect.any(String));
  });

  it('a limit out of range, or a start token LINE never gave, is refused in LINE’s error format', async () => {
    await control('PUT', '/emulator/account', { verified: true });
    for (const limit of ['1001', '0', 'many'])
      expect(await read(`/v2/bot/followers/ids?limit=${limit}`)).toMatchObject({
        status: 400,
        body: { message: 'The request body has 1 error(s)', details: [{ property: 'limit' }] },
      });
    expect(await read(`/v2/bot/group/${newGroupId()}/members/ids?start=nonsense`)).toMatchObject({
      status: 400,
      body: { details: [{ property: 'start', message: 'Invalid continuation token' }] },
    });
  });
});

describe('who is in a chat, as the control API says', () => {
  it("LINE's member count follows joins and leaves; saying it again changes only the name", async () => {
    const group = newGroupId();
    const [a, b] = [newUserId(), newUserId()];
    expect(memberCount(group)).toBe(3); // a chat never heard of: a small group
    await control('PUT', `/emulator/chats/${group}/members/${a}`, { displayName: 'A' });
    await control('PUT', `/emulator/chats/${group}/members/${b}`, {});
    await control('PUT', `/emulator/chats/${group}/members/${a}`, { displayName: 'Aさん' });
    expect(await client.getGroupMemberCount(group)).toEqual({ count: 5 });
    await control('PUT', `/emulator/friends/${b}`, { friend: true });

    expect((await control('GET', `/emulator/chats/${group}/members`)).body).toEqual({
      members: [
        { userId: a, displayName: 'Aさん', friend: false },
        { userId: b, displayName: `User ${b.slice(-4)}`, friend: true },
      ],
    });
    await control('DELETE', `/emulator/chats/${group}/members/${a}`);
    await control('DELETE', `/emulator/chats/${group}/members/${a}`);
    expect(await client.getGroupMemberCount(group)).toEqual({ count: 4 });
    expect((await control('GET', `/emulator/chats/${group}/members`)).body).toEqual({
      members: [{ userId: b, displayName: `User ${b.slice(-4)}`, friend: true }],
    });
  });

  it("refuses a body it cannot use, in LINE's error format, and changes nothing", async () => {
    const group = newGroupId();
    const userId = newUserId();
    const refused = [
      await control('PUT', `/emulator/friends/${userId}`, {}),
      await control('PUT', `/emulator/friends/${userId}`, { friend: 'yes' }),
      await control('PUT', `/emulator/friends/${userId}`, { friend: true, isFriend: true }),
      await control('PUT', `/emulator/friends/${userId}`, { friend: true, displayName: ' ' }),
      await control('PUT', `/emulator/chats/${group}/members/${userId}`, { displayName: 7 }),
      await control('PUT', `/emulator/chats/${group}/members/${userId}`, { pictureUrl: 'http://x' }),
      await control('PUT', '/emulator/account', { verified: 'true' }),
      await control('PUT', '/emulator/account', 'null'),
    ];
    expect(refused.map((r) => [r.status, r.body.details])).toEqual([
      [400, [{ property: 'friend', message: 'Must not be null' }]],
      [400, [{ property: 'friend', message: 'Must be true or false' }]],
      [400, [{ property: 'isFriend', message: 'Unknown property' }]],
      [400, [{ property: 'displayName', message: 'Must be a non-empty string' }]],
      [400, [{ property: 'displayName', message: 'Must be a non-empty string' }]],
      [400, [{ property: 'pictureUrl', message: 'Must be an https URL, or null for no picture' }]],
      [400, [{ property: 'verified', message: 'Must be true or false' }]],
      [400, undefined],
    ]);
    expect(line.state.people.person(userId)).toMatchObject({ friend: false, blocked: false });
    expect((await control('GET', `/emulator/chats/${group}/members`)).body).toEqual({ members: [] });
    expect(line.state.verified).toBe(false);
  });

  it('reads JSON even when curl -d calls it a form', async () => {
    const response = await fetch(`${line.url}/emulator/account`, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"verified":true}',
    });
    expect([response.status, await response.json()]).toEqual([200, { verified: true }]);
  });

  it('a reset forgets people and the account’s verification', async () => {
    const group = newGroupId();
    const userId = newUserId();
    await control('PUT', `/emulator/friends/${userId}`, { friend: true, displayName: 'x' });
    await control('PUT', `/emulator/chats/${group}/members/${userId}`, {});
    await control('DELETE', `/emulator/chats/${group}/members/${newUserId()}`);
    await control('PUT', '/emulator/account', { verified: true });

    await control('POST', '/emulator/reset');

    expect((await control('GET', `/emulator/friends/${userId}`)).body).toMatchObject({
      displayName: `User ${userId.slice(-4)}`,
      friend: false,
    });
    expect((await control('GET', `/emulator/chats/${group}/members`)).body).toEqual({ members: [] });
    expect((await control('GET', '/emulator/account')).body).toEqual({ verified: false });
  });
});

describe('faults and the rate limit apply to these reads as to every other', () => {
  const reads = (group: string, userId: string) => [
    `/v2/bot/group/${group}/member/${userId}`,
    `/v2/bot/profile/${userId}`,
    `/v2/bot/group/${group}/members/ids`,
    '/v2/bot/followers/ids',
  ];

  it('an injected 429 carries Retry-After, then the read answers again', async () => {
    await control('PUT', '/emulator/account', { verified: true });
    const userId = newUserId();
    line.state.people.setFriend(userId, true);
    for (const path of reads(newGroupId(), userId)) {
      await control('POST', '/emulator/faults', { match: `GET ${path}`, status: 429, retryAfterSeconds: 3 });
      expect(await read(path)).toMatchObject({ status: 429, retryAfter: '3' });
      expect((await read(path)).status).toBe(200);
    }
  });

  it('counts each endpoint per second, whatever the user or chat in its path', async () => {
    const strict = await startLineEmulator({ channelAccessToken: TOKEN, rateLimitPerSecond: 2 });
    const c = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: strict.url });
    const group = newGroupId();
    // Held inside one second of the emulator's clock.
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Math.floor(Date.now() / 1000) * 1000 + 500);
    try {
      const statuses = await Promise.allSettled(
        Array.from({ length: 5 }, () => c.getGroupMemberProfile(group, newUserId())),
      );
      expect(
        statuses.map((r) => (r.status === 'fulfilled' ? 200 : (r.reason as HTTPFetchError).status)).sort(),
      ).toEqual([200, 200, 429, 429, 429]);
      // Another endpoint has its own count.
      expect((await c.getGroupMemberCount(group)).count).toBe(3);
    } finally {
      clock.mockRestore();
      await strict.close();
    }
  });
});
