import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  followNarrowcast,
  startNarrowcast,
  advanceNarrowcast,
} from '../../lambda/app/narrowcast/run-narrowcast';
import { newUserId } from '../../lib/local/simulator/webhook-events';
import { runningCoupon } from '../support/campaign-fixtures';
import { startHarness, type Harness } from '../support/webhook-harness';
import { audienceApi, cliEnv, control, narrowcastDeps, narrowcastsOf, restore } from './support';

/** A narrowcast happens once whatever happens to the process, and LINE's limits are waited out. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { audiences: { readySeconds: 1, narrowcastPhaseMs: 150 } });
});
afterAll(() => h.close());

/** An OA Manager chat-tag audience of `n` friends, READY at once. */
async function chatTag(n: number): Promise<{ audienceGroupId: number; userIds: string[] }> {
  const userIds = Array.from({ length: n }, newUserId);
  for (const userId of userIds) await control(h, 'PUT', `/emulator/friends/${userId}`, { friend: true });
  const tag = (await control(h, 'POST', '/emulator/audiences', { description: 'tag', userIds })) as {
    audienceGroupId: number;
  };
  return { audienceGroupId: tag.audienceGroupId, userIds };
}
const coupon = (couponId: string) => [{ type: 'coupon', couponId }];

describe('a narrowcast campaign killed or refused at any point still narrowcasts once', () => {
  it('SIGKILL between the narrowcast request and storing its id: the resumed run gets 409 with the first id, one narrowcast', async () => {
    const { audienceGroupId, userIds } = await chatTag(3);
    const couponId = await runningCoupon(h);
    // LINE takes the request, and answers only after the process is gone.
    h.line.state.faults.push({ match: 'POST /v2/bot/message/narrowcast', delayMs: 1500, count: 1 });
    // tsx as a loader in this one process: its CLI would run the command in a child the kill misses.
    const args = [
      '--import',
      'tsx',
      'bin/campaign.ts',
      'start',
      '--audience',
      String(audienceGroupId),
      '--coupon',
      couponId,
      '--id',
      'killed-narrowcast',
      '--json',
    ];
    const run = () =>
      spawn(process.execPath, args, {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, ...cliEnv(h) },
        stdio: 'pipe',
      });
    const asked = () => h.line.state.requests.filter((r) => r.path === '/v2/bot/message/narrowcast').length;

    const first = run();
    const deadline = Date.now() + 30_000;
    while (asked() === 0 && first.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(asked()).toBe(1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // LINE accepted it after all; the campaign never learnt its id.
    while ((await narrowcastsOf(h, audienceGroupId)).length === 0)
      await new Promise((r) => setTimeout(r, 50));
    const stored = await narrowcastDeps(h).store.get('killed-narrowcast');
    expect(stored).toMatchObject({ status: 'sending' });
    expect(stored?.requestId).toBeUndefined();

    const second = run();
    let output = '';
    second.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    const [accepted, ...more] = await narrowcastsOf(h, audienceGroupId);
    expect(more).toEqual([]);
    expect(JSON.parse(output)).toMatchObject({
      campaignId: 'killed-narrowcast',
      kind: 'narrowcast',
      status: 'succeeded',
      requestId: accepted!.requestId,
      targetCount: 3,
      successCount: 3,
      failureCount: 0,
    });
    expect(asked()).toBe(2); // the second answered 409 with the first one's id
    expect(accepted!.recipients.sort()).toEqual([...userIds].sort());
  }, 90_000);

  it("a 429 with Retry-After, and LINE's 60 narrowcasts an hour, are waited out: queued, never failed", async () => {
    const couponId = await runningCoupon(h);
    const options = h.line.state.audiences.options;
    const saved = { ...options };
    Object.assign(options, { narrowcastsPerWindow: 1, narrowcastWindowMs: 1500 });
    h.line.state.audiences.narrowcastTimes.length = 0;
    try {
      const [one, two] = [await chatTag(1), await chatTag(2)];
      h.line.state.faults.push({
        match: 'POST /v2/bot/message/narrowcast',
        status: 429,
        retryAfterSeconds: 1,
        count: 1,
      });
      const deps = narrowcastDeps(h);
      for (const [id, tag] of [
        ['limited-1', one],
        ['limited-2', two],
      ] as const)
        await startNarrowcast(
          { campaignId: id, audienceGroupId: tag.audienceGroupId, couponId, messages: coupon(couponId) },
          deps,
        );
      const seen: string[] = [];
      const [a, b] = await Promise.all(
        ['limited-1', 'limited-2'].map((id) =>
          followNarrowcast(id, deps, (c) => c.reason && seen.push(c.reason)),
        ),
      );
      expect([a?.status, b?.status]).toEqual(['succeeded', 'succeeded']);
      expect(seen.some((r) => r.startsWith("waiting out LINE's rate limit"))).toBe(true);
      expect(
        (await narrowcastsOf(h, one.audienceGroupId)).length +
          (await narrowcastsOf(h, two.audienceGroupId)).length,
      ).toBe(2);
    } finally {
      restore(options, saved);
    }
  }, 30_000);

  it('an audience that is never READY fails after AUDIENCE_READY_TIMEOUT_HOURS, with nothing sent', async () => {
    const options = h.line.state.audiences.options;
    const saved = { ...options };
    options.readySeconds = 3600;
    try {
      const created = await audienceApi(h).createAudience('slow', [newUserId()]);
      const couponId = await runningCoupon(h);
      const deps = narrowcastDeps(h, { audienceReadyTimeoutMs: 600 });
      await startNarrowcast(
        {
          campaignId: 'never-ready',
          audienceGroupId: created.audienceGroupId,
          couponId,
          messages: coupon(couponId),
        },
        deps,
      );
      const final = await followNarrowcast('never-ready', deps);
      expect(final).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining('was still IN_PROGRESS after') as string,
      });
      expect(await narrowcastsOf(h, created.audienceGroupId)).toEqual([]);
      // Finished stays finished: another step changes nothing.
      expect(await advanceNarrowcast(final, deps)).toEqual(final);
      expect(h.recorder.metric('narrowcastsFailed')).toBeGreaterThan(0);
    } finally {
      restore(options, saved);
    }
  }, 30_000);
});
