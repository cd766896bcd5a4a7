import type { DynamoDBStreamEvent } from 'aws-lambda';
import { sweepInbox } from '../../lambda/app/inbox-sweep';
import { eventsCommand } from '../../lib/cli/events';
import { processStream } from '../../lambda/runtime/process-stream';
import { handleSweepEvent } from '../../lambda/runtime/sweep-event';
import { startLocalProcessing, type LocalProcessing } from '../../lib/local/processing';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * When the processor fails on a batch as a whole past its retries, AWS moves on and sends only
 * the batch's whereabouts to the on-failure queue. The sweep reads the batch again from the
 * stream and applies its events, each once, even while the stream recovers the same items.
 */
let h: Harness;
let broken: LocalProcessing;
const failingChats = new Set<string>();

beforeEach(async () => {
  h = await startHarness({ MASS_LEAVE_MIN_GROUPS: '1000000' });
  // The harness's own reader waits; this one fails as a whole (outside the per-item handling,
  // as a crash or a timeout does) on any batch holding a failing chat's item, 2 retries.
  await h.processing.pause();
  broken = await startLocalProcessing({
    endpoint: testDynamoDbEndpoint(),
    inboxTable: h.tables.inbox,
    handler: async (event: DynamoDBStreamEvent) => {
      const chats = event.Records.map((r) => r.dynamodb?.Keys?.groupId?.S ?? '');
      if (chats.some((c) => failingChats.has(c))) throw new Error('injected: the processor died');
      return processStream(event, h.runtime.processing);
    },
    sweep: async () => undefined,
    sweepIntervalMs: 3_600_000,
    inboxSweeper: (event) => handleSweepEvent(event, h.runtime.sweep),
    inboxSweepIntervalMs: 3_600_000,
    maxRetryAttempts: 2,
    retryBaseMs: 10,
  });
});
afterEach(async () => {
  failingChats.clear();
  await broken.stop();
  await h.close();
});

/** The sweep as its schedule runs it, `minutes` from now. */
const sweepIn = (minutes: number) =>
  sweepInbox({ ...h.runtime.sweep, clock: { now: () => new Date(Date.now() + minutes * 60_000) } });

describe('the inbox sweep', () => {
  it('a batch the stream gave up on is kept, then applied once by the sweep after INBOX_SWEEP_AFTER_MINUTES', async () => {
    const groupId = newGroupId();
    failingChats.add(groupId);
    const t = Date.now();
    await h.post([webhookEvents.join(groupId, { timestamp: t - 3_600_000 })], { settle: false });
    await h.post([webhookEvents.message(groupId, 'hi', { timestamp: t - 3_570_000 })], { settle: false });
    await broken.drain();
    expect(await h.registry.load(groupId)).toBeUndefined();
    expect(h.recorder.metric('inboxBatchesAbandoned')).toBeGreaterThan(0);
    const waiting = await h.runtime.sweep.inbox.sweeps();
    expect(waiting.map((s) => [s.groupId, s.sweep])).toEqual([
      [groupId, 'due'],
      [groupId, 'due'],
    ]);

    const out: string[] = [];
    await eventsCommand(['failed'], (text) => out.push(text), {
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      INBOX_TABLE: h.tables.inbox,
    });
    expect(out.join('\n')).toMatch(/Batches the stream gave up on[^]*due +\S+ +C/);

    // Not before its time: the stream may still be retrying.
    expect(await sweepIn(14)).toMatchObject({ swept: 0 });
    expect(await sweepIn(16)).toMatchObject({ swept: 2, failed: 0 });
    const { group } = (await h.registry.load(groupId))!;
    expect(group).toMatchObject({ status: 'active', lastActivityAt: new Date(t - 3_570_000).toISOString() });
    expect((await h.registry.recentEvents(groupId)).map((e) => e.eventType)).toEqual(['message', 'join']);
    expect(h.recorder.metric('inboxSwept')).toBe(2);
    expect((await h.runtime.sweep.inbox.sweeps()).map((s) => s.sweep)).toEqual(['done', 'done']);
    // Again: nothing due, nothing doubled.
    expect(await sweepIn(30)).toMatchObject({ swept: 0 });
    expect(await h.runtime.processing.stats.statusCounts()).toEqual({ active: 1, left: 0, ejected: 0 });
  });

  it('a sweep while the stream recovers the same items doubles nothing (many chats, replies included, run five times)', async () => {
    for (let round = 0; round < 5; round++) {
      failingChats.clear();
      const chats = Array.from({ length: 6 }, () => newGroupId());
      for (const c of chats) failingChats.add(c);
      const t = Date.now();
      for (const c of chats) {
        await h.post(
          [
            webhookEvents.join(c, { timestamp: t, replyToken: h.line.state.issueReplyToken(c) }),
            webhookEvents.memberJoined(c, undefined, {
              timestamp: t + 1,
              replyToken: h.line.state.issueReplyToken(c),
            }),
          ],
          { settle: false },
        );
        await h.post([webhookEvents.leave(c, { timestamp: t + 120_000 })], { settle: false });
      }
      await broken.drain();
      // The stream recovers (the healthy reader catches up on everything) while the sweep runs.
      h.processing.resume();
      await Promise.all([h.processing.drain(), sweepIn(20), sweepIn(20)]);
      await h.processing.pause();
      for (const c of chats) {
        const { group } = (await h.registry.load(c))!;
        expect(group).toMatchObject({ status: 'left', joinCount: 1, leaveReason: 'removed' });
        const records = await h.registry.recentEvents(c);
        expect(records.map((r) => r.eventType).sort()).toEqual(['join', 'leave', 'memberJoined']);
        // Whoever applied the join answered it, once (the sweep comes too late to answer at all).
        const sent = h.line.state.sent.filter((s) => s.to === c).map((s) => s.messages.length);
        expect(sent.length).toBeLessThanOrEqual(2);
        expect(new Set(sent).size).toBe(sent.length);
      }
    }
  }, 120_000);
});
