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
} from '../../lambda/app/campaign/run-campaign';
import { createCoupon } from '../../lambda/app/manage-coupons';
import { retryKeyFor } from '../../lambda/domain/campaign';
import type { Group } from '../../lambda/domain/group';
import { campaignMessages, defaultCampaignId } from '../../lib/cli/campaign';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, Recorder, startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let couponId: string;
beforeAll(async () => {
  h = await startHarness({}, { monthlyQuota: 1_000_000 });
  ({ couponId } = await createCoupon(
    {
      title: '秋の感謝祭 20%OFF',
      startsAt: new Date(Date.now() - 60_000),
      endsAt: new Date(Date.now() + 86_400_000),
      reward: { type: 'discount', percentage: 20 },
    },
    h.couponDeps,
  ));
});
afterAll(() => h.close());

/** Active groups written straight to the registry (a campaign reads them through byStatus). */
async function seedActiveGroups(n: number, memberCount = 3): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newGroupId());
  const at = new Date().toISOString();
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(
      ids.slice(i, i + 25).map((groupId) => {
        h.line.state.chats.set(groupId, {
          chatType: 'group',
          groupName: groupId,
          memberCount,
          isMember: true,
        });
        const group: Group = {
          groupId,
          chatType: 'group',
          firstSeenAt: at,
          joinedAt: at,
          joinCount: 1,
          status: 'active',
          statusChangedAt: at,
          memberCount,
        };
        return h.registry.save(group, undefined, []);
      }),
    );
  }
  return ids;
}

const store = () => new DynamoDbCampaignStore(h.documents, h.tables);
function deps(overrides: Partial<CampaignDeps> = {}): CampaignDeps {
  const recorder = new Recorder();
  return {
    registry: h.registry,
    store: store(),
    line: h.couponDeps.line,
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
const pushesTo = (groupId: string) => h.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId);

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
    expect(plan.groupIds).toEqual(expect.arrayContaining(groups));
    await deliverCampaign(plan.campaign, plan.groupIds, deps());

    for (const groupId of groups) expect(pushesTo(groupId)).toHaveLength(1);
    expect(pushesTo(groups[0]!)[0]!.messages).toEqual([{ type: 'coupon', couponId }]);
    const deliveries = await store().deliveries('autumn');
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(plan.groupIds.length);
    expect(deliveries.some((d) => d.attempts > 1)).toBe(true);
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
    // The crash: LINE accepted the push, but the process died before recording it.
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
    expect(leftDelivery).toMatchObject({ status: 'skipped', reason: 'group is ejected' });
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
    const others = new Set(h.line.state.sent.map((s) => s.to));
    const env = {
      ...process.env,
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      ...environmentFor(h.tables),
      LINE_API_BASE_URL: h.line.url,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    };
    const args = [
      join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'),
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
    expect(newPushes()).toBeLessThan(groups.length);

    const second = run();
    let output = '';
    second.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    expect(output).toMatch(/campaign killed: sent \d+, skipped 0, failed 0/);
    for (const groupId of groups) expect(pushesTo(groupId)).toHaveLength(1);
    expect([...others].every((g) => !groups.includes(g))).toBe(true);
  }, 90_000);
});

describe('default campaign id', () => {
  it('is the same for the same coupon and message, so a re-run resumes', () => {
    const messages = campaignMessages('c1');
    expect(defaultCampaignId('c1', messages)).toBe(defaultCampaignId('c1', campaignMessages('c1')));
    expect(defaultCampaignId('c1', messages)).not.toBe(defaultCampaignId('c2', campaignMessages('c2')));
  });
});
