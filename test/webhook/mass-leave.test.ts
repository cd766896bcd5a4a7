import fc from 'fast-check';
import { groupsCommand } from '../../lib/cli/groups';
import {
  asRedelivery,
  newGroupId,
  webhookEvents,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { processStream } from '../../lambda/runtime/process-stream';
import { startLocalProcessing } from '../../lib/local/processing';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { startHarness, type Harness } from '../support/webhook-harness';

const HOUR = 3_600_000;

/** `n` chats the OA joined two hours ago, with a name each. */
async function joinedChats(h: Harness, n: number, t: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newGroupId());
  ids.forEach((id, i) =>
    h.line.state.chats.set(id, {
      chatType: 'group',
      groupName: `店舗グループ ${i}`,
      memberCount: 5 + i,
      isMember: true,
    }),
  );
  await h.post(ids.map((id, i) => webhookEvents.join(id, { timestamp: t - 2 * HOUR + i })));
  return ids;
}

describe('mass leave: the setting turned off, recognised as one act', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('ten of twelve chats leaving within seconds: every one is left / mass_leave (the first ones too), announced once, and reinvite lists them', async () => {
    const t = Date.now();
    const ids = await joinedChats(h, 12, t);
    // An ejection in the same minutes is not part of it.
    const ejected = newGroupId();
    await h.post([webhookEvents.join(ejected, { timestamp: t - 1000 })]);
    await h.post([webhookEvents.leave(ejected, { timestamp: t })]);

    const leaves = ids.slice(0, 10).map((id, i) => webhookEvents.leave(id, { timestamp: t + i * 1000 }));
    const answers = await Promise.all(leaves.map((l) => h.post([l], { settle: false })));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    await h.processing.drain();

    for (const id of ids.slice(0, 10)) {
      expect((await h.registry.load(id))?.group).toMatchObject({ status: 'left', leaveReason: 'mass_leave' });
      const history = await h.registry.recentEvents(id);
      expect(history[0]).toMatchObject({
        eventType: 'massLeave',
        leaveReason: 'mass_leave',
        webhookEventId: expect.stringMatching(/^leaveBurst#/) as string,
      });
    }
    for (const id of ids.slice(10)) expect((await h.registry.load(id))?.group.status).toBe('active');
    expect((await h.registry.load(ejected))?.group.leaveReason).toBe('second_official_account');
    expect(h.recorder.metric('massLeaves')).toBe(1);
    expect(
      h.recorder.lines.filter((l) => l.level === 'warn' && l.message.startsWith('mass leave')),
    ).toHaveLength(1);
    expect(h.recorder.metric('groupsLeft')).toBe(10); // one metric for the act, not a warning per chat

    const out: string[] = [];
    const code = await groupsCommand(['reinvite', '--json'], (text) => out.push(text), {
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      GROUPS_TABLE: h.tables.groups,
      REGISTRY_STATS_TABLE: h.tables.registryStats,
    });
    expect(code).toBe(0);
    const listed = JSON.parse(out.join('\n')) as {
      chats: { groupId: string; groupName: string; memberCount: number }[];
    };
    expect(listed.chats.map((c) => c.groupId).sort()).toEqual(ids.slice(0, 10).sort());
    expect(listed.chats[0]).toMatchObject({
      groupName: expect.stringMatching(/^店舗グループ/) as string,
      memberCount: expect.any(Number) as number,
    });
  }, 60_000);
});

describe('not a mass leave', () => {
  it('3 of 22 active chats leaving within a minute stay removed', async () => {
    const h = await startHarness();
    try {
      const t = Date.now();
      const ids = await joinedChats(h, 22, t);
      await Promise.all(
        ids
          .slice(0, 3)
          .map((id, i) =>
            h.post([webhookEvents.leave(id, { timestamp: t + i * 20_000 })], { settle: false }),
          ),
      );
      await h.processing.drain();
      for (const id of ids.slice(0, 3)) {
        expect((await h.registry.load(id))?.group).toMatchObject({ status: 'left', leaveReason: 'removed' });
      }
      expect(h.recorder.metric('massLeaves')).toBe(0);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe('mass leave under any delivery order, redelivery and batching (property, DynamoDB Local)', () => {
  it('6 of 7 chats leaving: each ends mass_leave once, counted once, whatever the order, with two processors at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.infiniteStream(fc.nat()),
        fc.array(fc.nat({ max: 5 }), { maxLength: 4 }),
        async (random, again) => {
          const h = await startHarness();
          // A second processor on the same stream: every item is processed twice, concurrently.
          const second = await startLocalProcessing({
            endpoint: testDynamoDbEndpoint(),
            inboxTable: h.tables.inbox,
            handler: (event) => processStream(event, h.runtime.processing),
            sweep: async () => undefined,
            sweepIntervalMs: 3_600_000,
            processing: h.runtime.processing,
          });
          try {
            const t = Date.now();
            const ids = await joinedChats(h, 7, t);
            const leaves: WebhookEvent[] = ids
              .slice(0, 6)
              .map((id, i) => webhookEvents.leave(id, { timestamp: t + i * 5000 }));
            const deliveries = [...leaves, ...asRedelivery(again.map((i) => leaves[i]!))];
            for (let i = deliveries.length - 1; i > 0; i--) {
              const j = random.next().value! % (i + 1);
              [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
            }
            const webhooks: WebhookEvent[][] = [];
            while (deliveries.length > 0) webhooks.push(deliveries.splice(0, 1 + (random.next().value! % 3)));
            await Promise.all(webhooks.map((w) => h.post(w, { settle: false })));
            await Promise.all([h.processing.drain(), second.drain()]);
            for (const id of ids.slice(0, 6)) {
              expect((await h.registry.load(id))?.group.leaveReason).toBe('mass_leave');
              expect(
                (await h.registry.recentEvents(id)).filter((e) => e.eventType === 'massLeave'),
              ).toHaveLength(1);
            }
            expect(h.recorder.metric('massLeaves')).toBe(1);
            expect(await h.runtime.processing.stats.statusCounts()).toEqual({
              active: 1,
              left: 6,
              ejected: 0,
            });
          } finally {
            await second.stop();
            await h.close();
          }
        },
      ),
      { numRuns: 4 },
    );
  }, 120_000);
});
