import { statelessTokens } from '../../lambda/adapters/line/token-source';
import { startLineEmulator } from '../../lib/local/line-emulator/server';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { Simulator } from '../../lib/local/simulator/scenarios';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';
import { startHarness, type Harness } from '../support/webhook-harness';

const CHANNEL_ID = '1657000000';
const CHANNEL_SECRET = 'test-channel-secret';
const issued = (authorization: unknown) => /^Bearer stateless-/.test(String(authorization));

describe('stateless channel access tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LINE_CHANNEL_ID: CHANNEL_ID, LINE_LOOKUP_TIMEOUT_MS: '2000' },
      // LINE's own 15 minutes: nothing here expires by itself. The long-lived token is refused.
      { channelId: CHANNEL_ID, channelSecret: CHANNEL_SECRET, channelAccessToken: 'not-the-bots' },
    );
  });
  afterAll(() => h.close());

  const join = (groupId: string) =>
    webhookEvents.join(groupId, { replyToken: h.line.state.issueReplyToken(groupId) });

  it('issued from the channel id and secret, kept while it lives, used for every call', async () => {
    await h.post([join(newGroupId())]);
    expect(h.line.state.tokensIssued).toBe(1);
    const [tokenRequest] = h.line.state.requests.filter((r) => r.path === '/oauth2/v3/token');
    expect(tokenRequest).toBeUndefined(); // the token endpoint is not a Messaging API call
    const groupId = newGroupId();
    await h.post([join(groupId)]);
    expect(h.line.state.tokensIssued).toBe(1);
    expect(h.line.state.sent.filter((s) => s.to === groupId)).toHaveLength(1);
    expect(h.line.state.requests.length).toBeGreaterThan(4);
    expect(h.line.state.requests.every((r) => issued(r.headers.authorization))).toBe(true);
  });

  // On the source's own clock, so a slow machine cannot make LINE's expiry (and its 401) do the renewing.
  it.each([
    { life: 900, renewAt: 840 }, // LINE's 15 minutes: a minute early
    { life: 2, renewAt: 1.6 }, // a short life: a fifth of it early
  ])(
    'a token living $life s is renewed at $renewAt s, before LINE would refuse it',
    async ({ life, renewAt }) => {
      const line = await startLineEmulator({
        channelId: CHANNEL_ID,
        channelSecret: CHANNEL_SECRET,
        statelessTokenTtlSeconds: life,
      });
      try {
        let now = 1_000_000;
        const tokens = statelessTokens({
          channelId: CHANNEL_ID,
          channelSecret: CHANNEL_SECRET,
          baseURL: line.url,
          now: () => now,
        });
        const first = await tokens.token();
        const issuedAt = now;
        now = issuedAt + renewAt * 1000 - 1;
        expect(await tokens.token()).toBe(first);
        expect(line.state.tokensIssued).toBe(1);
        now = issuedAt + renewAt * 1000;
        const second = await tokens.token();
        expect(second).not.toBe(first);
        expect(line.state.tokensIssued).toBe(2);
        expect(await tokens.token()).toBe(second); // and kept
      } finally {
        await line.close();
      }
    },
  );

  it('a 401 from LINE issues a new token at once, and the call goes through', async () => {
    await h.post([join(newGroupId())]);
    const before = h.line.state.tokensIssued;
    const [inUse] = [...h.line.state.issuedTokens.keys()];
    h.line.state.issuedTokens.clear(); // LINE no longer knows the token in use
    const seen = h.line.state.requests.length;
    const groupId = newGroupId();
    await h.post([join(groupId)]);
    // Refused with the old token (not renewed by age: it has most of its 15 minutes left); the
    // reply and the lookups refused at the same moment share the one token issued after it.
    const after = h.line.state.requests.slice(seen).map((r) => r.headers.authorization);
    expect(after).toContain(`Bearer ${inUse}`);
    expect(h.line.state.tokensIssued).toBe(before + 1);
    expect(h.line.state.sent.filter((s) => s.to === groupId)).toHaveLength(1);
    expect(h.recorder.metric('repliesFailed')).toBe(0);
  });
});

describe('npm start with LINE_CHANNEL_ID', () => {
  let stack: LocalStackProcess;
  beforeAll(async () => {
    stack = await startLocalStackProcess({ LINE_CHANNEL_ID: CHANNEL_ID, LINE_CHANNEL_ACCESS_TOKEN: '' });
  }, 90_000);
  afterAll(async () => {
    await stack?.interrupt();
  });

  it('uses issued tokens only: no long-lived token configured, every Messaging API call carries an issued one', async () => {
    expect(stack.output()).toContain(`issued by LINE for channel ${CHANNEL_ID}`);
    const emulator = new EmulatorControl(stack.emulatorUrl);
    const simulator = new Simulator({ url: stack.webhookUrl, secret: 'local-channel-secret', emulator });
    const groupId = newGroupId();
    const [joined] = await simulator.run({ name: 'join', groupId });
    expect(joined!.sent).toHaveLength(1);
    const requests = (await (await fetch(`${stack.emulatorUrl}/emulator/requests`)).json()) as {
      path: string;
      authorization?: string;
    }[];
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/v2/bot/message/reply']));
    expect(requests.every((r) => issued(r.authorization))).toBe(true);
  });
});
