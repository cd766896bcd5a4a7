import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { apiGatewayEvent, signedWebhookEvent } from '../../lib/local/api-gateway-event';
import {
  asRedelivery,
  newGroupId,
  newRoomId,
  newUserId,
  signature,
  webhookBody,
  webhookEvents,
} from '../../lib/local/simulator/webhook-events';
import {
  CHANNEL_ACCESS_TOKEN,
  CHANNEL_SECRET,
  Recorder,
  startHarness,
  type Harness,
} from '../support/webhook-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const T = Date.parse('2026-11-23T09:00:00.000Z');
const status = (res: { statusCode: number }) => res.statusCode;

describe('webhook: bad input is refused and changes nothing', () => {
  it('no signature -> 401, nothing written', async () => {
    const groupId = newGroupId();
    const res = await h.post([webhookEvents.join(groupId)], { headers: { 'X-Line-Signature': '' } });
    expect(status(res)).toBe(401);
    expect(await h.registry.load(groupId)).toBeUndefined();
  });

  it('a signature made with another secret -> 401, nothing written, no LINE call', async () => {
    const groupId = newGroupId();
    const res = await h.post([webhookEvents.join(groupId)], { secret: 'not-the-channel-secret' });
    expect(status(res)).toBe(401);
    expect(await h.registry.load(groupId)).toBeUndefined();
    expect(h.line.state.chats.has(groupId)).toBe(false);
  });

  it('a body changed after signing -> 401', async () => {
    const groupId = newGroupId();
    const body = webhookBody([webhookEvents.join(groupId)]);
    const res = await h.handler(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhook',
        headers: { 'x-line-signature': signature(body, CHANNEL_SECRET) },
        body: Buffer.from(body.replace('join', 'leave')),
      }),
    );
    expect(status(res)).toBe(401);
  });

  it('valid signature on a body that is not JSON -> 400, nothing written', async () => {
    const res = await h.post([], { rawBody: '{"destination": "U0", "events": [' });
    expect(status(res)).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/not JSON/);
  });

  it.each([
    ['an array', '[]'],
    ['no events', '{"destination":"U0"}'],
    ['events that are not a list', '{"destination":"U0","events":{}}'],
  ])('valid signature on JSON that is not a webhook payload (%s) -> 400', async (_what, rawBody) => {
    const res = await h.post([], { rawBody });
    expect(status(res)).toBe(400);
  });

  it('an event LINE would not recognise is skipped, logged and counted; the rest of the webhook counts', async () => {
    const groupId = newGroupId();
    const broken = [
      { ...webhookEvents.join(newGroupId()), webhookEventId: undefined },
      { ...webhookEvents.join(newGroupId()), source: { type: 'group' } },
      { ...webhookEvents.message(newGroupId(), 'x'), mode: 'sleepy' },
      'not an event',
      // toISOString() throws past 8.64e15; past year 9999 ISO times no longer sort as text.
      webhookEvents.join(newGroupId(), { timestamp: 8.64e15 + 1 }),
      webhookEvents.join(newGroupId(), { timestamp: 8.64e15 }),
      webhookEvents.join(newGroupId(), { timestamp: Date.UTC(10000, 0, 1) }),
    ] as unknown as ReturnType<typeof webhookEvents.join>[];
    const invalidBefore = h.recorder.metric('eventsInvalid');
    const res = await h.post([...broken, webhookEvents.join(groupId, { timestamp: T })]);
    expect(status(res)).toBe(200);
    expect((await h.registry.load(groupId))?.group.status).toBe('active');
    expect(h.recorder.metric('eventsInvalid')).toBe(invalidBefore + 7);
    const skipped = h.recorder.lines.filter((l) => l.message === 'event skipped: not as LINE documents it');
    expect(skipped.map((l) => l.extra[0]?.reason)).toEqual(
      expect.arrayContaining([
        'webhookEventId: expected a string',
        'source.groupId: expected a string',
        'mode: expected "active" or "standby"',
        'event: expected an object',
        'timestamp: expected milliseconds since the epoch, before year 10000',
      ]),
    );
  });

  it("LINE's URL verification (events: []) -> 200", async () => {
    expect(status(await h.post([]))).toBe(200);
  });

  it('anything but POST -> 405', async () => {
    const res = await h.handler(
      apiGatewayEvent({ method: 'GET', path: '/webhook', headers: {}, body: Buffer.alloc(0) }),
    );
    expect(status(res)).toBe(405);
  });

  it('unknown event types and 1:1 chats are ignored and logged at debug, 200', async () => {
    const groupId = newGroupId();
    const unknown = { ...webhookEvents.leave(groupId), type: 'somethingNew' };
    const oneToOne = {
      ...webhookEvents.message(groupId, 'hi'),
      source: { type: 'user', userId: newUserId() },
    };
    const res = await h.post([unknown, webhookEvents.follow(newUserId()), oneToOne]);
    expect(status(res)).toBe(200);
    expect(await h.registry.load(groupId)).toBeUndefined();
    const ignored = h.recorder.lines.filter((l) => l.level === 'debug' && l.message === 'event ignored');
    expect(ignored.map((l) => l.extra[0]?.reason)).toEqual(
      expect.arrayContaining(['unsupported event type', 'not a group or multi-person chat']),
    );
  });

  it('accepts header names in any case and base64-encoded bodies (API Gateway binary mode)', async () => {
    const groupId = newGroupId();
    const body = webhookBody([webhookEvents.join(groupId)]);
    const res = await h.handler({
      ...apiGatewayEvent({
        method: 'POST',
        path: '/webhook',
        headers: { 'X-LINE-SIGNATURE': signature(body, CHANNEL_SECRET) },
        body: Buffer.from(body),
      }),
      isBase64Encoded: true,
      body: Buffer.from(body).toString('base64'),
    });
    expect(status(res)).toBe(200);
    await h.processing.drain();
    expect((await h.registry.load(groupId))?.group.status).toBe('active');
  });
});

describe('webhook: the group registry', () => {
  it('a join records the group as active with its name and size from LINE, and the event with its decision', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, {
      chatType: 'group',
      groupName: '渋谷店 常連さん',
      memberCount: 12,
      isMember: true,
    });
    const join = webhookEvents.join(groupId, { timestamp: T });
    expect(status(await h.post([join]))).toBe(200);

    const { group } = (await h.registry.load(groupId))!;
    expect(group).toMatchObject({
      groupId,
      chatType: 'group',
      status: 'active',
      statusChangedAt: '2026-11-23T09:00:00.000Z',
      joinedAt: '2026-11-23T09:00:00.000Z',
      joinCount: 1,
      groupName: '渋谷店 常連さん',
      memberCount: 12,
    });
    const [record] = await h.registry.recentEvents(groupId);
    expect(record).toMatchObject({
      webhookEventId: join.webhookEventId,
      eventType: 'join',
      decision: 'activated',
      status: 'active',
    });
  });

  it('a leave right after the join is an ejection by a second official account: recorded, counted, warned', async () => {
    const groupId = newGroupId();
    const ejectedBefore = h.recorder.metric('groupsEjected');
    await h.post([webhookEvents.join(groupId, { timestamp: T })]);
    await h.post([webhookEvents.leave(groupId, { timestamp: T + 1500 })]);

    expect((await h.registry.load(groupId))?.group).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
      leftAt: '2026-11-23T09:00:01.500Z',
    });
    expect(h.recorder.metric('groupsEjected')).toBe(ejectedBefore + 1);
    const warning = h.recorder.lines.find((l) => l.level === 'warn' && l.message.includes(groupId));
    expect(warning?.extra[0]).toMatchObject({
      groupId,
      status: 'ejected',
      leaveReason: 'second_official_account',
    });
    expect((await h.registry.recentEvents(groupId))[0]).toMatchObject({
      eventType: 'leave',
      decision: 'ejected',
    });
  });

  it('a leave after members talked is a removal', async () => {
    const groupId = newGroupId();
    await h.post([
      webhookEvents.join(groupId, { timestamp: T }),
      webhookEvents.message(groupId, 'こんにちは', { timestamp: T + 1000 }),
      webhookEvents.leave(groupId, { timestamp: T + 2000 }),
    ]);
    expect((await h.registry.load(groupId))?.group).toMatchObject({
      status: 'left',
      leaveReason: 'removed',
      lastActivityAt: '2026-11-23T09:00:01.000Z',
    });
  });

  it('LINE answering "not a member" to the join-time lookups is an ejection before any leave arrives', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, { chatType: 'group', groupName: 'x', memberCount: 3, isMember: false });
    await h.post([webhookEvents.join(groupId, { timestamp: T })]);
    expect((await h.registry.load(groupId))?.group).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
      statusChangedAt: '2026-11-23T09:00:00.000Z',
    });
  });

  it('a failing LINE lookup never loses the join', async () => {
    const groupId = newGroupId();
    const lookupFailuresBefore = h.recorder.metric('lineLookupFailures');
    for (const read of ['summary', 'members/count'])
      h.line.state.faults.push({ match: `/group/${groupId}/${read}`, status: 500, count: 1 });
    expect(status(await h.post([webhookEvents.join(groupId)]))).toBe(200);
    const { group } = (await h.registry.load(groupId))!;
    expect(group.status).toBe('active');
    expect(group.groupName).toBeUndefined();
    expect(h.recorder.metric('lineLookupFailures')).toBe(lookupFailuresBefore + 2);
  });

  it('a redelivered webhook takes effect once', async () => {
    const groupId = newGroupId();
    const events = [
      webhookEvents.join(groupId, { timestamp: T }),
      webhookEvents.message(groupId, 'hi', { timestamp: T + 10 }),
    ];
    expect(status(await h.post(events))).toBe(200);
    expect(status(await h.post(asRedelivery(events)))).toBe(200);
    expect(status(await h.post(asRedelivery(events.slice(0, 1))))).toBe(200);

    expect((await h.registry.load(groupId))?.group.joinCount).toBe(1);
    expect(await h.registry.recentEvents(groupId)).toHaveLength(2);
  });

  it('a leave delivered before its join still ends as an ejection', async () => {
    const groupId = newGroupId();
    const join = webhookEvents.join(groupId, { timestamp: T });
    const leave = webhookEvents.leave(groupId, { timestamp: T + 800 });
    await h.post([leave]);
    expect((await h.registry.load(groupId))?.group.status).toBe('left');
    await h.post([join]);
    expect((await h.registry.load(groupId))?.group).toMatchObject({ status: 'ejected', joinCount: 1 });
  });

  it('webhooks for the same group racing each other all take effect', async () => {
    const groupId = newGroupId();
    const messages = Array.from({ length: 8 }, (_, i) =>
      webhookEvents.message(groupId, `m${i}`, { timestamp: T + i }),
    );
    const results = await Promise.all(
      [webhookEvents.join(groupId, { timestamp: T - 1 }), ...messages].map((e) => h.post([e])),
    );
    expect(results.map(status)).toEqual(Array(9).fill(200));
    expect(await h.registry.recentEvents(groupId, 50)).toHaveLength(9);
    expect((await h.registry.load(groupId))?.group).toMatchObject({
      joinCount: 1,
      lastActivityAt: new Date(T + 7).toISOString(),
    });
  });

  it('activity from a chat never seen joining registers it as active, with its name and size', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, {
      chatType: 'group',
      groupName: 'Deployed later',
      memberCount: 5,
      isMember: true,
    });
    await h.post([webhookEvents.message(groupId, 'hello', { timestamp: T })]);
    expect((await h.registry.load(groupId))?.group).toMatchObject({
      status: 'active',
      joinCount: 0,
      groupName: 'Deployed later',
      memberCount: 5,
    });
  });

  it('memberJoined and memberLeft refresh the member count', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, { chatType: 'group', groupName: 'g', memberCount: 3, isMember: true });
    await h.post([webhookEvents.join(groupId, { timestamp: T })]);
    h.line.state.chat(groupId).memberCount = 5;
    await h.post([webhookEvents.memberJoined(groupId, [newUserId(), newUserId()], { timestamp: T + 5000 })]);
    expect((await h.registry.load(groupId))?.group.memberCount).toBe(5);
  });

  it('multi-person chats (rooms) are recorded under their roomId', async () => {
    const roomId = newRoomId();
    await h.post([webhookEvents.join(roomId, { timestamp: T })]);
    expect((await h.registry.load(roomId))?.group).toMatchObject({
      chatType: 'room',
      status: 'active',
      memberCount: 3,
    });
  });
});

describe('webhook: transient failures', () => {
  it('LINE not answering (timeouts) costs at most the lookup timeout, and never the join', async () => {
    const slow = await startHarness({ LINE_LOOKUP_TIMEOUT_MS: '200' });
    try {
      const groupId = newGroupId();
      for (const read of ['summary', 'members/count'])
        slow.line.state.faults.push({
          match: `/group/${groupId}/${read}`,
          delayMs: 3000,
          status: 500,
          count: 1,
        });
      const started = Date.now();
      expect(status(await slow.post([webhookEvents.join(groupId)]))).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await slow.registry.load(groupId))?.group).toMatchObject({ status: 'active', joinCount: 1 });
      expect(slow.recorder.metric('lineLookupFailures')).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('DynamoDB unreachable -> 500 so LINE redelivers; the redelivery completes the work once', async () => {
    const groupId = newGroupId();
    const recorder = new Recorder();
    const broken = await createWebhookRuntime(
      loadConfig({
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', // nothing listens on the discard port
        ...environmentFor(h.tables),
        LINE_API_BASE_URL: h.line.url,
        LINE_CHANNEL_SECRET: CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
      }),
      { log: recorder, telemetry: recorder },
    );
    const events = [webhookEvents.join(groupId, { timestamp: T })];
    const body = Buffer.from(webhookBody(events));
    const res = await broken(signedWebhookEvent(body, CHANNEL_SECRET));
    expect(status(res)).toBe(500);
    expect(recorder.metric('webhookErrors')).toBe(1);
    expect(await h.registry.load(groupId)).toBeUndefined();

    expect(status(await h.post(asRedelivery(events)))).toBe(200);
    expect((await h.registry.load(groupId))?.group).toMatchObject({ status: 'active', joinCount: 1 });
  });
});
