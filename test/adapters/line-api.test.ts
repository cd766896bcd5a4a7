import { LineApi, LineTimeoutError } from '../../lambda/adapters/line/line-api';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { newGroupId } from '../../lib/local/simulator/webhook-events';

const TOKEN = 'test-channel-access-token';
const text = [{ type: 'text' as const, text: 'こんにちは' }];

// The SDK takes no timeout, so these run against the emulator over HTTP, made to hang.
describe('LINE calls that hang', () => {
  let line: LineEmulator;
  beforeAll(async () => {
    line = await startLineEmulator({
      channelAccessToken: TOKEN,
      channelId: '1657000000',
      channelSecret: 's',
    });
  });
  afterAll(() => line.close());
  afterEach(() => void (line.state.faults.length = 0));

  const hang = (match: string) => line.state.faults.push({ match, delayMs: 3_000, count: 1 });

  it('a reply fails with LineTimeoutError once its time is up, instead of holding the processor', async () => {
    const api = new LineApi({ channelAccessToken: TOKEN, baseURL: line.url, timeoutMs: 200 });
    const groupId = newGroupId();
    hang('POST /v2/bot/message/reply');
    const started = performance.now();
    await expect(api.reply(line.state.issueReplyToken(groupId), text)).rejects.toBeInstanceOf(
      LineTimeoutError,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('pushes, coupons, quota and leaving are bounded too', async () => {
    const api = new LineApi({ channelAccessToken: TOKEN, baseURL: line.url, timeoutMs: 200 });
    const calls: [string, () => Promise<unknown>][] = [
      ['POST /v2/bot/message/push', () => api.push(newGroupId(), text, crypto.randomUUID())],
      ['GET /v2/bot/message/quota', () => api.remainingQuota()],
      ['GET /v2/bot/coupon/', () => api.getCoupon('coupon-1')],
      ['POST /v2/bot/group/', () => api.leave('group', newGroupId())],
    ];
    for (const [match, call] of calls) {
      hang(match);
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LineTimeoutError);
      expect(error).toMatchObject({ message: 'LINE did not answer within 200 ms' });
    }
  });

  it("a token that does not come (LINE issuing it slowly) counts in the call's time", async () => {
    const waiting = { token: () => new Promise<string>(() => undefined), invalidate: () => false };
    const api = new LineApi({ tokens: waiting, baseURL: line.url, timeoutMs: 200 });
    await expect(api.reply('any', text)).rejects.toBeInstanceOf(LineTimeoutError);
  });

  it("group lookups wait as long as their caller does (the sweep's 20 s), not the call timeout", async () => {
    const api = new LineApi({ channelAccessToken: TOKEN, baseURL: line.url, timeoutMs: 200 });
    const groupId = newGroupId();
    line.state.faults.push({ match: `/group/${groupId}/summary`, delayMs: 500, count: 1 });
    await expect(api.getSummary('group', groupId)).resolves.toMatchObject({ groupName: expect.any(String) });
  });
});
