import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { Simulator } from '../../lib/local/simulator/scenarios';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';
import { startHarness, type Harness } from '../support/webhook-harness';

const CHANNEL_ID = '1657000000';
const issued = (authorization: unknown) => /^Bearer stateless-/.test(String(authorization));

describe('stateless channel access tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      { LINE_CHANNEL_ID: CHANNEL_ID, LINE_LOOKUP_TIMEOUT_MS: '2000' },
      // A short life, so renewal can be watched; the long-lived token is refused.
      {
        channelId: CHANNEL_ID,
        channelSecret: 'test-channel-secret',
        statelessTokenTtlSeconds: 2,
        channelAccessToken: 'not-the-bots',
      },
    );
  });
  afterAll(() => h.close());

  const join = (groupId: string) =>
    webhookEvents.join(groupId, { replyToken: h.line.state.issueReplyToken(groupId) });

  it('issued from the channel id and secret, used for every call, renewed before they expire', async () => {
    await h.post([join(newGroupId())]);
    expect(h.line.state.tokensIssued).toBe(1);
    const [tokenRequest] = h.line.state.requests.filter((r) => r.path === '/oauth2/v3/token');
    expect(tokenRequest).toBeUndefined(); // the token endpoint is not a Messaging API call
    await new Promise((r) => setTimeout(r, 1700)); // past four fifths of the 2 s life
    const groupId = newGroupId();
    await h.post([join(groupId)]);
    expect(h.line.state.tokensIssued).toBe(2);
    expect(h.line.state.sent.filter((s) => s.to === groupId)).toHaveLength(1);
    expect(h.line.state.requests.length).toBeGreaterThan(4);
    expect(h.line.state.requests.every((r) => issued(r.headers.authorization))).toBe(true);
  });

  it('a 401 from LINE issues a new token at once, and the call goes through', async () => {
    await h.post([join(newGroupId())]);
    const before = h.line.state.tokensIssued;
    h.line.state.issuedTokens.clear(); // LINE no longer knows the token in use
    const groupId = newGroupId();
    await h.post([join(groupId)]);
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
