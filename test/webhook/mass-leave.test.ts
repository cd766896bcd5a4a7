import fc from 'fast-check';
import { groupsCommand } from '../../lib/cli/groups';
import { asRedelivery, newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { processStream } from '../../lambda/runtime/process-stream';
import { handleSweepEvent } from '../../lambda/runtime/sweep-event';
import { startLocalProcessing } from '../../lib/local/processing';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { chatsToReinvite } from '../../lambda/app/reinvite';
import { propertyRuns, RUN_TIMEOUT_MS, shuffledDeliveries } from '../support/generators';
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

describe('a mass leave across a span boundary', () => {
  it.each(['in time order', 'in reverse order'])(
    'ten chats leaving from 5 s before to 4 s after a multiple of the window, %s: all ten are listed by reinvite, announced once',
    async (order) => {
      const h = await startHarness();
      try {
        const W = 600_000;
        const B = (Math.floor(Date.now() / W) + 1) * W;
        const ids = await joinedChats(h, 10, B);
        const leaves = ids.map((id, i) => webhookEvents.leave(id, { timestamp: B - 5000 + i * 1000 }));
        for (const leave of order === 'in time order' ? leaves : [...leaves].reverse()) await h.post([leave]);
        for (const id of ids) expect((await h.registry.load(id))?.group.leaveReason).toBe('mass_leave');
        expect(h.recorder.metric('massLeaves')).toBe(1);
        const out: string[] = [];
        await groupsCommand(['reinvite', '--json'], (text) => out.push(text), {
          DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
          GROUPS_TABLE: h.tables.groups,
          REGISTRY_STATS_TABLE: h.tables.registryStats,
        });
        const listed = JSON.parse(out.join('\n')) as { chats: { groupId: string }[] };
        expect(listed.chats.map((c) => c.groupId).sort()).toEqual([...ids].sort());
      } finally {
        await h.close();
      }
    },
    60_000,
  );
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
  it('n chats, k leaving within one window (across a span boundary or not): mass_leave exactly when k >= 3 and k >= 80 % of n, whatever the order, with two processors at once', async () => {
    const W = 600_000;
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 5, max: 12 })
          .chain((n) =>
            fc.record({ n: fc.constant(n), k: fc.integer({ min: Math.floor(0.6 * n), max: n }) }),
          ),
        // Where the burst starts relative to a span boundary, and how long it lasts (under a window).
        fc.integer({ min: 0, max: W - 1 }),
        fc.integer({ min: 0, max: W - 1 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        async ({ n, k }, offset, length, again, random) => {
          const h = await startHarness();
          // A second processor on the same stream: every item is processed twice, concurrently.
          const second = await startLocalProcessing({
            endpoint: testDynamoDbEndpoint(),
            inboxTable: h.tables.inbox,
            handler: (event) => processStream(event, h.runtime.processing),
            sweep: async () => undefined,
            sweepIntervalMs: 3_600_000,
            inboxSweeper: (event) => handleSweepEvent(event, h.runtime.sweep),
            inboxSweepIntervalMs: 3_600_000,
          });
          try {
            const start = Math.floor(Date.now() / W) * W + offset;
            const ids = await joinedChats(h, n, start);
            const times = Array.from(
              { length: k },
              (_, i) => start + Math.floor((i * length) / Math.max(1, k - 1)),
            );
            const leaves = ids.slice(0, k).map((id, i) => webhookEvents.leave(id, { timestamp: times[i]! }));
            const deliveries = [...leaves, ...asRedelivery(again.map((i) => leaves[i % leaves.length]!))];
            await Promise.all(
              shuffledDeliveries(deliveries, random).map((w) => h.post(w, { settle: false })),
            );
            await Promise.all([h.processing.drain(), second.drain()]);
            const mass = k >= 3 && k >= 0.8 * n;
            for (const id of ids.slice(0, k)) {
              expect((await h.registry.load(id))?.group.leaveReason).toBe(mass ? 'mass_leave' : 'removed');
              expect(
                (await h.registry.recentEvents(id)).filter((e) => e.eventType === 'massLeave'),
              ).toHaveLength(mass ? 1 : 0);
            }
            expect(h.recorder.metric('massLeaves')).toBe(mass ? 1 : 0);
            expect(await h.runtime.processing.stats.statusCounts()).toEqual({
              active: n - k,
              left: k,
              ejected: 0,
            });
            if (mass) {
              const { chats } = await chatsToReinvite(
                {},
                { directory: h.registry, stats: h.runtime.processing.stats },
              );
              expect(chats.map((c) => c.groupId).sort()).toEqual(ids.slice(0, k).sort());
            }
          } finally {
            await second.stop();
            await h.close();
          }
        },
      ),
      { numRuns: propertyRuns(4, 50), timeout: RUN_TIMEOUT_MS },
    );
  }, 600_000);
});
