import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';

const TOKEN = 'emulator-test-token';
let line: LineEmulator;
let client: messagingApi.MessagingApiClient;

beforeEach(async () => {
  line = await startLineEmulator({ channelAccessToken: TOKEN, monthlyQuota: 20, replyTokenTtlMs: 200 });
  client = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: line.url });
});
afterEach(() => line.close());

const GROUP = `C${'a'.repeat(32)}`;
const text = (t: string) => ({ type: 'text' as const, text: t });
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HTTPFetchError);
  const e = error as HTTPFetchError;
  return {
    status: e.status,
    body: JSON.parse(e.body) as { message: string; details?: { property: string }[] },
    headers: e.headers,
  };
};
const coupon = (overrides: Record<string, unknown> = {}) => ({
  title: '10% OFF',
  acquisitionCondition: { type: 'normal' },
  startTimestamp: Math.floor(Date.now() / 1000) - 60,
  endTimestamp: Math.floor(Date.now() / 1000) + 86_400,
  maxUseCountPerTicket: 1,
  visibility: 'UNLISTED',
  timezone: 'ASIA_TOKYO',
  reward: { type: 'discount', priceInfo: { type: 'percentage', percentage: 10 } },
  ...overrides,
});

describe('LINE platform emulator', () => {
  it("refuses a wrong access token in LINE's error format", async () => {
    const other = new messagingApi.MessagingApiClient({ channelAccessToken: 'wrong', baseURL: line.url });
    const { status, body } = await failure(other.getGroupSummary(GROUP));
    expect(status).toBe(401);
    expect(body.message).toMatch(/Authentication failed/);
  });

  it('answers group summary and member counts; 404 once the OA is not a member', async () => {
    line.state.chats.set(GROUP, { chatType: 'group', groupName: '梅田店', memberCount: 7, isMember: true });
    expect(await client.getGroupSummary(GROUP)).toEqual({ groupId: GROUP, groupName: '梅田店' });
    expect(await client.getGroupMemberCount(GROUP)).toEqual({ count: 7 });
    await client.leaveGroup(GROUP);
    expect((await failure(client.getGroupMemberCount(GROUP))).status).toBe(404);
  });

  it('accepts a reply token once, and not after it expires', async () => {
    const token = line.state.issueReplyToken(GROUP);
    await client.replyMessage({ replyToken: token, messages: [text('ようこそ')] });
    expect(
      (await failure(client.replyMessage({ replyToken: token, messages: [text('again')] }))).body.message,
    ).toBe('Invalid reply token');
    const late = line.state.issueReplyToken(GROUP);
    await new Promise((r) => setTimeout(r, 250));
    expect((await failure(client.replyMessage({ replyToken: late, messages: [text('late')] }))).status).toBe(
      400,
    );
    expect(line.state.sent.map((s) => [s.via, s.to, s.messages])).toEqual([
      ['reply', GROUP, [text('ようこそ')]],
    ]);
  });

  it('validates messages like LINE: at most 5, known types, required fields, sizes', async () => {
    const six = Array.from({ length: 6 }, (_, i) => text(`m${i}`));
    expect(
      (await failure(client.pushMessage({ to: GROUP, messages: six }))).body.details?.[0]?.property,
    ).toBe('messages');
    const bad = await failure(
      client.pushMessage({
        to: GROUP,
        messages: [
          text(''),
          { type: 'flex', altText: '', contents: { type: 'nope' } } as never,
          { type: 'coupon', couponId: 'missing' } as never,
        ],
      }),
    );
    expect(bad.body.details?.map((d) => d.property)).toEqual([
      'messages[0].text',
      'messages[1].altText',
      'messages[1].contents.type',
      'messages[2].couponId',
    ]);
    expect(line.state.sent).toEqual([]);
  });

  it('charges pushes to a group once per member against the monthly quota, then answers 429', async () => {
    line.state.chats.set(GROUP, { chatType: 'group', groupName: 'g', memberCount: 8, isMember: true });
    await client.pushMessage({ to: GROUP, messages: [text('1')] });
    await client.pushMessage({ to: GROUP, messages: [text('2')] });
    expect(await client.getMessageQuotaConsumption()).toEqual({ totalUsage: 16 });
    expect(await client.getMessageQuota()).toEqual({ type: 'limited', value: 20 });
    expect((await failure(client.pushMessage({ to: GROUP, messages: [text('3')] }))).status).toBe(429);
  });

  it('accepts a push once per X-Line-Retry-Key, answering 409 with the accepted request id after', async () => {
    const key = '123e4567-e89b-12d3-a456-426614174000';
    await client.pushMessage({ to: GROUP, messages: [text('once')] }, key);
    const again = await failure(client.pushMessage({ to: GROUP, messages: [text('once')] }, key));
    expect(again.status).toBe(409);
    expect(again.headers.get('x-line-accepted-request-id')).toBeTruthy();
    expect(line.state.sent).toHaveLength(1);
  });

  it('creates, lists, shows and closes coupons; a coupon message needs a running coupon', async () => {
    const { couponId } = await client.createCoupon(coupon() as never);
    expect(await client.getCouponDetail(couponId)).toMatchObject({
      couponId,
      title: '10% OFF',
      status: 'RUNNING',
    });
    expect((await client.listCoupon(new Set(['RUNNING']))).items).toEqual([{ couponId, title: '10% OFF' }]);
    await client.pushMessage({ to: GROUP, messages: [{ type: 'coupon', couponId } as never] });
    await client.closeCoupon(couponId);
    expect((await failure(client.closeCoupon(couponId))).status).toBe(410);
    expect(
      (await failure(client.pushMessage({ to: GROUP, messages: [{ type: 'coupon', couponId } as never] })))
        .status,
    ).toBe(400);
    const invalid = await failure(
      client.createCoupon(coupon({ title: '', visibility: 'EVERYONE' }) as never),
    );
    expect(invalid.body.details?.map((d) => d.property)).toEqual(['title', 'visibility']);
  });

  it('injects faults (with Retry-After) and rate-limits when asked', async () => {
    line.state.faults.push({
      match: 'POST /v2/bot/message/push',
      status: 429,
      retryAfterSeconds: 2,
      count: 1,
    });
    const limited = await failure(client.pushMessage({ to: GROUP, messages: [text('x')] }));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    await client.pushMessage({ to: GROUP, messages: [text('x')] });

    const strict = await startLineEmulator({ channelAccessToken: TOKEN, rateLimitPerSecond: 2 });
    const c = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: strict.url });
    // The emulator counts per second of its clock: hold it inside one second, then move to the next.
    const second = Math.floor(Date.now() / 1000) * 1000 + 500;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(second);
    try {
      const statuses = async () =>
        (await Promise.allSettled(Array.from({ length: 5 }, () => c.getGroupMemberCount(GROUP)))).map((r) =>
          r.status === 'fulfilled' ? 200 : (r.reason as HTTPFetchError).status,
        );
      expect((await statuses()).sort()).toEqual([200, 200, 429, 429, 429]);
      clock.mockReturnValue(second + 1000);
      expect((await statuses()).sort()).toEqual([200, 200, 429, 429, 429]);
    } finally {
      clock.mockRestore();
      await strict.close();
    }
  });

  it('shows what was sent over HTTP, per chat', async () => {
    await client.pushMessage({ to: GROUP, messages: [text('hello')] });
    const response = await fetch(`${line.url}/emulator/messages?to=${GROUP}`);
    expect(await response.json()).toEqual([
      expect.objectContaining({ via: 'push', to: GROUP, messages: [text('hello')] }),
    ]);
  });
});
