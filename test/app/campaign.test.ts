import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import {
  type CampaignDeps,
  deliverCampaign,
  planCampaign,
  QuotaExceededError,
  runCampaign,
} from '../../lambda/app/campaign/run-campaign';
import { retryKeyFor } from '../../lambda/domain/campaign';
import { createCoupon } from '../../lambda/app/manage-coupons';
import { campaignCommand, campaignMessages, defaultCampaignId } from '../../lib/cli/campaign';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { runningCoupon, seedActiveGroups as seed, setMonthlyQuota } from '../support/campaign-fixtures';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, Recorder, startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let couponId: string;
/** Fresh tables and a fresh emulator with a running coupon: a campaign there reaches only its own groups. */
async function isolated(): Promise<{ h: Harness; couponId: string }> {
  const harness = await startHarness({}, { monthlyQuota: 1_000_000 });
  return { h: harness, couponId: await runningCoupon(harness) };
}
beforeAll(async () => {
  ({ h, couponId } = await isolated());
});
afterAll(() => h.close());

const seedActiveGroups = (n: number, memberCount = 3, joinedAt = new Date(), on: Harness = h) =>
  seed(on, n, { memberCount, joinedAt });

const store = (on: Harness = h) => new DynamoDbCampaignStore(on.documents, on.tables);
/** The real limiter, recording every pause it is asked for. */
class RecordingLimiter extends RateLimiter {
  readonly pauses: number[] = [];
  override pause(ms: number): void {
    this.pauses.push(ms);
    super.pause(ms);
  }
}
function deps(overrides: Partial<CampaignDeps> = {}, on: Harness = h): CampaignDeps {
  const recorder = new Recorder();
  return {
    registry: on.registry,
    store: store(on),
    line: on.couponDeps.line,
    limiter: new RateLimiter(5000),
    log: recorder,
    telemetry: recorder,
    now: () => new Date(),
    concurrency: 16,
    maxAttempts: 6,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    ...overrides,
  };
}
const pushesTo = (groupId: string, on: Harness = h) =>
  on.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId);

describe('campaigns to groups', () => {
  it('reaches every active group exactly once through injected 429s and 500s', async () => {
    const groups = await seedActiveGroups(240);
    h.line.state.faults.push(
      { match: 'POST /v2/bot/message/push', status: 429, retryAfterSeconds: 1, count: 6 },
      { match: 'POST /v2/bot/message/push', status: 500, count: 15 },
      { match: 'POST /v2/bot/message/push', delayMs: 50, status: 503, count: 5 },
    );
    const spec = { campaignId: 'autumn', couponId, messages: campaignMessages(couponId) };
    const plan = await planCampaign(spec, { ignoreQuota: false }, deps());
    expect([...plan.groupIds].sort()).toEqual([...groups].sort());
    await deliverCampaign(plan.campaign, plan.groupIds, deps());

    for (const groupId of groups) expect(pushesTo(groupId)).toHaveLength(1);
    expect(pushesTo(groups[0]!)[0]!.messages).toEqual([{ type: 'coupon', couponId }]);
    const deliveries = await store().deliveries('autumn');
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(240);
    // Every injected failure cost exactly one attempt, and nothing else did.
    const pushRequests = h.line.state.requests.filter((r) => r.path === '/v2/bot/message/push');
    expect(pushRequests).toHaveLength(240 + 6 + 15 + 5);
    expect(deliveries.reduce((sum, d) => sum + d.attempts, 0)).toBe(240 + 6 + 15 + 5);
  }, 60_000);

  it('re-running a finished campaign sends nothing more', async () => {
    const before = h.line.state.sent.length;
    const plan = await planCampaign(
      { campaignId: 'autumn', couponId, messages: campaignMessages(couponId) },
      { ignoreQuota: false },
      deps(),
    );
    expect(plan.groupIds).toEqual([]);
    await deliverCampaign(plan.campaign, plan.groupIds, deps());
    expect(h.line.state.sent.length).toBe(before);
  });

  it('a push LINE accepted before a crash (retry key seen) is recorded as sent, not sent again', async () => {
    const [groupId] = await seedActiveGroups(1);
    const spec = { campaignId: 'crash-window', couponId, messages: campaignMessages(couponId) };
    const plan = await planCampaign(spec, { ignoreQuota: false }, deps());
    // The crash: intent written and LINE accepted the push, but the process died before recording it.
    await h.couponDeps.line.push(groupId!, spec.messages, retryKeyFor('crash-window', groupId!));
    await deliverCampaign(plan.campaign, [groupId!], deps());
    expect(pushesTo(groupId!)).toHaveLength(1);
    expect((await store().deliveries('crash-window'))[0]).toMatchObject({ status: 'sent' });
  });

  it('skips groups that left or were ejected after the campaign was planned', async () => {
    const [stays, leaves] = await seedActiveGroups(2);
    const plan = await planCampaign(
      { campaignId: 'skip', couponId, messages: campaignMessages(couponId) },
      { ignoreQuota: false },
      deps(),
    );
    await h.post([webhookEvents.leave(leaves!, { timestamp: Date.now() + 1000 })]);
    await deliverCampaign(plan.campaign, [stays!, leaves!], deps());
    expect(pushesTo(stays!)).toHaveLength(1);
    expect(pushesTo(leaves!)).toHaveLength(0);
    const leftDelivery = (await store().deliveries('skip')).find((d) => d.groupId === leaves);
    // Left a second after joining with no activity: the registry calls that an ejection.
    expect(leftDelivery).toMatchObject({ status: 'skipped', reason: 'ejected' });
  });

  it('refuses to start when the pushes would not fit the remaining monthly quota, unless told to', async () => {
    const quota = await startHarness({}, { monthlyQuota: 10 });
    try {
      const { couponId: id } = await createCoupon(
        {
          title: 'x',
          startsAt: new Date(Date.now() - 1000),
          endsAt: new Date(Date.now() + 86_400_000),
          reward: { type: 'free' },
        },
        quota.couponDeps,
      );
      for (const groupId of [newGroupId(), newGroupId()]) {
        quota.line.state.chats.set(groupId, {
          chatType: 'group',
          groupName: 'g',
          memberCount: 8,
          isMember: true,
        });
        await quota.post([webhookEvents.join(groupId)]);
      }
      const d = {
        ...deps(),
        registry: quota.registry,
        store: new DynamoDbCampaignStore(quota.documents, quota.tables),
        line: quota.couponDeps.line,
      };
      const error = await planCampaign(
        { campaignId: 'big', couponId: id, messages: campaignMessages(id) },
        { ignoreQuota: false },
        d,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuotaExceededError);
      expect((error as Error).message).toMatch(/needs about 16 messages .* only 10 are left/);
      expect(quota.line.state.sent).toEqual([]);
      // Refused before anything is written: nothing left behind to show as running.
      expect(await d.store.get('big')).toBeUndefined();
      expect(await d.store.list()).toEqual([]);
      await expect(
        planCampaign(
          { campaignId: 'big', couponId: id, messages: campaignMessages(id) },
          { ignoreQuota: true },
          d,
        ),
      ).resolves.toMatchObject({ cost: 16 });
    } finally {
      await quota.close();
    }
  });

  it('refuses an invalid message before anything is sent', async () => {
    await expect(
      planCampaign(
        {
          campaignId: 'bad',
          couponId,
          messages: [{ type: 'flex', altText: '', contents: { type: 'bubble' } }],
        },
        { ignoreQuota: false },
        deps(),
      ),
    ).rejects.toThrow('messages[0].altText: May not be empty');
  });

  it('killed half-way (SIGKILL), the same command run again sends only the rest: no group gets two', async () => {
    const groups = await seedActiveGroups(120);
    // The campaign goes to every active group, earlier tests' included.
    const active: string[] = [];
    for await (const page of h.registry.pagesByStatus('active')) active.push(...page.map((g) => g.groupId));
    expect(active).toEqual(expect.arrayContaining(groups));
    const env = {
      ...process.env,
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      ...environmentFor(h.tables),
      LINE_API_BASE_URL: h.line.url,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    };
    // tsx as a loader in this one process: its CLI would run the command in a child the kill misses.
    const args = [
      '--import',
      'tsx',
      'bin/campaign.ts',
      'send',
      '--coupon',
      couponId,
      '--to',
      'active',
      '--id',
      'killed',
      '--concurrency',
      '4',
      '--rate',
      '150',
    ];
    const run = () => spawn(process.execPath, args, { cwd: join(__dirname, '..', '..'), env, stdio: 'pipe' });

    const first = run();
    const newPushes = () => h.line.state.sent.filter((s) => groups.includes(s.to)).length;
    const deadline = Date.now() + 30_000;
    while (newPushes() < 40 && first.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(newPushes()).toBeGreaterThanOrEqual(40);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // Really gone: nothing more is pushed after the kill.
    const atKill = newPushes();
    await new Promise((r) => setTimeout(r, 500));
    expect(newPushes()).toBe(atKill);
    expect(atKill).toBeLessThan(groups.length);

    const second = run();
    let output = '';
    second.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    expect(output).toContain(`campaign killed: sent ${active.length}, skipped 0, failed 0`);
    // One accepted push per active group under this campaign's retry key, across both runs.
    const keys = new Map(active.map((g) => [retryKeyFor('killed', g), g]));
    const accepted = h.line.state.sent.filter((s) => s.retryKey !== undefined && keys.has(s.retryKey));
    expect(accepted.map((s) => s.to).sort()).toEqual([...active].sort());
    for (const groupId of groups) expect(pushesTo(groupId)).toHaveLength(1);
  }, 90_000);
});

describe('a campaign always finishes', () => {
  let k: Harness;
  let coupon: string;
  beforeEach(async () => ({ h: k, couponId: coupon } = await isolated()));
  afterEach(() => k.close());
  const twoHoursAgo = () => new Date(Date.now() - 2 * 3_600_000);

  it('a group whose pushes failed and that then left is settled skipped: left, and the campaign ends done', async () => {
    const [stays, leaves] = await seedActiveGroups(2, 3, twoHoursAgo(), k);
    k.line.state.faults.push({ match: 'POST /v2/bot/message/push', to: leaves!, status: 500, count: 2 });
    const spec = { campaignId: 'failed-then-left', couponId: coupon, messages: campaignMessages(coupon) };
    const first = await runCampaign(spec, { ignoreQuota: false }, deps({ maxAttempts: 2 }, k));
    // Every group reached an outcome: done, with the failure reported (a re-run retries it).
    expect(first).toMatchObject({ sent: 1, failed: 1, pending: 0, status: 'done' });
    expect(first.reasons).toEqual({ 'LINE answered 500: Injected failure': 1 });

    await k.post([webhookEvents.leave(leaves!)]);
    expect((await k.registry.get(leaves!))?.status).toBe('left');
    const second = await runCampaign(spec, { ignoreQuota: false }, deps({}, k));
    expect(second).toMatchObject({ sent: 1, skipped: 1, failed: 0, pending: 0, status: 'done' });
    expect(second.reasons).toEqual({ left: 1 });
    expect(await store(k).get('failed-then-left')).toMatchObject({ status: 'done', plannedGroups: 2 });
    expect(pushesTo(stays!, k)).toHaveLength(1);
    expect(pushesTo(leaves!, k)).toHaveLength(0);
  });

  it('a group that leaves between the plan and its push (LINE 403) is skipped: not_a_member, not failed', async () => {
    const [stays, leaves] = await seedActiveGroups(2, 3, new Date(), k);
    const spec = { campaignId: 'left-before-push', couponId: coupon, messages: campaignMessages(coupon) };
    const plan = await planCampaign(spec, { ignoreQuota: false }, deps({}, k));
    // LINE knows before the registry does (its leave webhook has not arrived).
    k.line.state.chat(leaves!).isMember = false;
    const recorder = new Recorder();
    await deliverCampaign(plan.campaign, plan.groupIds, deps({ telemetry: recorder, log: recorder }, k));
    const rows = new Map((await store(k).deliveries('left-before-push')).map((d) => [d.groupId, d]));
    expect(rows.get(leaves!)).toMatchObject({ status: 'skipped', reason: 'not_a_member', attempts: 1 });
    expect(rows.get(stays!)).toMatchObject({ status: 'sent' });
    expect(recorder.metric('campaignPushesFailed')).toBe(0);
    const run = await runCampaign(spec, { ignoreQuota: false }, deps({}, k));
    expect(run).toMatchObject({
      sent: 1,
      skipped: 1,
      failed: 0,
      status: 'done',
      reasons: { not_a_member: 1 },
    });
    // One refused request for the departed group, never retried.
    expect(k.line.state.requests.filter((r) => r.body.to === leaves)).toHaveLength(1);
  });

  it('a 429 that is neither the rate limit nor the monthly limit is retried a bounded number of times', async () => {
    const [stubborn, fine] = await seedActiveGroups(2, 3, new Date(), k);
    k.line.state.faults.push({ match: 'POST /v2/bot/message/push', to: stubborn!, status: 429, count: 10 });
    const limiter = new RecordingLimiter(5000);
    const spec = { campaignId: 'other-429', couponId: coupon, messages: campaignMessages(coupon) };
    const run = await runCampaign(spec, { ignoreQuota: false }, deps({ limiter, maxAttempts: 3 }, k));
    expect(run).toMatchObject({ sent: 1, failed: 1, status: 'done' });
    expect(k.line.state.requests.filter((r) => r.body.to === stubborn)).toHaveLength(3);
    expect(pushesTo(fine!, k)).toHaveLength(1);
    // Not LINE's rate limit: the other workers are not held back.
    expect(limiter.pauses).toEqual([]);
  });

  it("LINE's rate limit (429 with Retry-After) pauses every worker for that long, then the push succeeds", async () => {
    const [limited] = await seedActiveGroups(1, 3, new Date(), k);
    k.line.state.faults.push({
      match: 'POST /v2/bot/message/push',
      to: limited!,
      status: 429,
      retryAfterSeconds: 2,
      count: 1,
    });
    const limiter = new RecordingLimiter(5000);
    const plan = await planCampaign(
      { campaignId: 'rate-limited', couponId: coupon, messages: campaignMessages(coupon) },
      { ignoreQuota: false },
      deps({}, k),
    );
    await deliverCampaign(plan.campaign, [limited!], deps({ limiter }, k));
    expect(limiter.pauses).toEqual([2000]);
    expect(pushesTo(limited!, k)).toHaveLength(1);
  });
});

describe("LINE's monthly limit", () => {
  let k: Harness;
  let coupon: string;
  beforeAll(async () => ({ h: k, couponId: coupon } = await isolated()));
  afterAll(() => k.close());
  it('stops a 50-group campaign at once (paused_quota, nothing failed), and resume sends each remaining group once', async () => {
    // The registry says one member each, so the estimate fits; LINE charges five.
    const groups = await seedActiveGroups(50, 1, new Date(), k);
    for (const groupId of groups) k.line.state.chat(groupId).memberCount = 5;
    const { consumed } = await setMonthlyQuota(k, 0);
    await setMonthlyQuota(k, consumed + 50); // ten pushes' worth
    const requestsTo = () => k.line.state.requests.filter((r) => groups.includes(r.body.to as string));
    const accepted = () => k.line.state.sent.filter((s) => s.via === 'push' && groups.includes(s.to));

    const recorder = new Recorder();
    const spec = { campaignId: 'monthly', couponId: coupon, messages: campaignMessages(coupon) };
    const run = await runCampaign(
      spec,
      { ignoreQuota: false },
      deps({ concurrency: 4, telemetry: recorder, log: recorder }, k),
    );
    expect(run).toMatchObject({ status: 'paused_quota', sent: 10, failed: 0 });
    expect(run.reason).toBe('LINE answered 429: You have reached your monthly limit.');
    expect(accepted()).toHaveLength(10);
    // Only the pushes already in flight when LINE said so were refused: at most one per worker.
    expect(requestsTo().length - 10).toBeGreaterThan(0);
    expect(requestsTo().length - 10).toBeLessThanOrEqual(4);
    expect(await store(k).get('monthly')).toMatchObject({
      status: 'paused_quota',
      reason: 'LINE answered 429: You have reached your monthly limit.',
    });
    expect((await store(k).deliveries('monthly')).filter((d) => d.status === 'failed')).toEqual([]);
    expect(recorder.metric('campaignsPausedForQuota')).toBe(1);
    expect(recorder.metric('campaignPushesFailed')).toBe(0);

    // Re-running before the quota is raised is refused up front: not one more request to LINE.
    const before = requestsTo().length;
    await expect(runCampaign(spec, { ignoreQuota: false }, deps({}, k))).rejects.toThrow(QuotaExceededError);
    expect(requestsTo()).toHaveLength(before);
    expect(await store(k).get('monthly')).toMatchObject({ status: 'paused_quota' });

    // The plan is upgraded: `npm run campaign -- resume monthly` finishes it.
    await setMonthlyQuota(k, consumed + 50 + 40 * 5);
    const lines: string[] = [];
    const code = await campaignCommand(['resume', 'monthly', '--concurrency', '4'], (t) => lines.push(t), {
      ...process.env,
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      ...environmentFor(k.tables),
      LINE_API_BASE_URL: k.line.url,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    });
    expect(lines.join('\n')).toContain('campaign monthly: sent 50, skipped 0, failed 0');
    expect(code).toBe(0);
    for (const groupId of groups) expect(pushesTo(groupId, k)).toHaveLength(1);
    expect(await store(k).get('monthly')).toMatchObject({ status: 'done' });
    expect((await store(k).get('monthly'))?.reason).toBeUndefined();
  }, 60_000);
});

describe('default campaign id', () => {
  it('is the same for the same coupon and message, so a re-run resumes', () => {
    const messages = campaignMessages('c1');
    expect(defaultCampaignId('c1', messages)).toBe(defaultCampaignId('c1', campaignMessages('c1')));
    expect(defaultCampaignId('c1', messages)).not.toBe(defaultCampaignId('c2', campaignMessages('c2')));
  });
});
