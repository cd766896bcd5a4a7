import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import type { Group } from '../../lambda/domain/group';
import { isRoutineActivity } from '../../lambda/domain/lifecycle';
import { asRedelivery, newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

// LINE's contract: the webhook answers within 2 seconds, whatever LINE's own API is doing, and
// everything it accepted is applied afterwards, exactly once.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ LINE_LOOKUP_TIMEOUT_MS: '300', ENRICHMENT_RETRY_SECONDS: '0.05' });
});
afterAll(() => h.close());

const sentTo = (groupId: string) => h.line.state.sent.filter((s) => s.to === groupId);
const join = (groupId: string, timestamp = Date.now()) =>
  webhookEvents.join(groupId, { timestamp, replyToken: h.line.state.issueReplyToken(groupId) });
/** Sweeps (as the enricher's schedule does) until `done` or the time runs out. */
async function sweepUntil(done: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('still not done after the sweeps');
    await new Promise((r) => setTimeout(r, 60));
    await h.processing.sweep();
  }
}

describe('acknowledge first', () => {
  it("with LINE's group lookups slowed to 5 s, 20 joins are each answered 200 within the webhook's 1.5 s deadline (LINE waits 2 s), recorded active, welcomed once with their own token, and named once LINE answers", async () => {
    const groupIds = Array.from({ length: 20 }, () => newGroupId());
    for (const [i, groupId] of groupIds.entries()) {
      h.line.state.chats.set(groupId, {
        chatType: 'group',
        groupName: `店舗 ${i}`,
        memberCount: 7,
        isMember: true,
      });
    }
    h.line.state.faults.push({ match: 'GET /v2/bot/group/', delayMs: 5000, count: 1000 });
    try {
      const answers = await Promise.all(
        groupIds.map(async (groupId) => {
          const started = performance.now();
          const res = await h.post([join(groupId)], { settle: false });
          return { status: res.statusCode, ms: performance.now() - started };
        }),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        // Nowhere near the 5 s lookups: the answer never waits for LINE. The bound is the webhook's
        // own deadline, not a second, so a busy 2-core machine (20 answers at once) cannot fail it.
        expect(answer.ms).toBeLessThan(1500);
      }
      await h.processing.drain();
      for (const groupId of groupIds) {
        expect((await h.registry.load(groupId))?.group).toMatchObject({
          status: 'active',
          enrichment: 'due',
        });
        const sent = sentTo(groupId);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({ via: 'reply', to: groupId }); // the token issued for this chat
      }
      // LINE answers, slowly: the sweep waits longer than the processor did.
      await h.processing.sweep();
    } finally {
      h.line.state.faults.length = 0;
    }
    for (const [i, groupId] of groupIds.entries()) {
      const { group } = (await h.registry.load(groupId))!;
      expect(group).toMatchObject({ groupName: `店舗 ${i}`, memberCount: 7 });
      expect(group.enrichment).toBeUndefined();
    }
  }, 60_000);

  it('with the summary failing 500 three times at join, the name still arrives (retried with back-off)', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, {
      chatType: 'group',
      groupName: '梅田店',
      memberCount: 4,
      isMember: true,
    });
    h.line.state.faults.push({ match: `/group/${groupId}/summary`, status: 500, count: 3 });
    expect((await h.post([join(groupId)])).statusCode).toBe(200);
    expect((await h.registry.load(groupId))?.group.groupName).toBeUndefined();
    await sweepUntil(async () => (await h.registry.load(groupId))?.group.groupName === '梅田店');
    const { group } = (await h.registry.load(groupId))!;
    expect(group).toMatchObject({ memberCount: 4, status: 'active' });
    expect(group.enrichment).toBeUndefined();
    expect(h.line.state.faults.find((f) => f.match.includes(groupId))?.count).toBe(0);
  });

  it('a join redelivered after it was handled sends no second reply', async () => {
    const groupId = newGroupId();
    const events = [join(groupId)];
    await h.post(events);
    await h.post(asRedelivery(events));
    await Promise.all([h.post(asRedelivery(events)), h.post(asRedelivery(events))]);
    expect(sentTo(groupId)).toHaveLength(1);
    expect(await h.registry.recentEvents(groupId)).toHaveLength(1);
  });

  it.each([64, 128])(
    'a busy chat: %i webhooks at once for one group are all answered 200 and all applied',
    async (n) => {
      const groupId = newGroupId();
      const t = Date.now();
      // Joined (and quiet) long before: its messages are routine activity.
      await h.post([webhookEvents.join(groupId, { timestamp: t - 3_600_000 })]);
      const messages = Array.from({ length: n }, (_, i) =>
        webhookEvents.message(groupId, `m${i}`, { timestamp: t + i }),
      );
      const answers = await Promise.all(messages.map((m) => h.post([m], { settle: false })));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(n).fill(200));
      await h.processing.drain();
      expect((await h.registry.load(groupId))?.group.lastActivityAt).toBe(new Date(t + n - 1).toISOString());
    },
    60_000,
  );

  it('a busy chat right after its join (inside the ejection window): every message is recorded once', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    const events = [
      webhookEvents.join(groupId, { timestamp: t }),
      ...Array.from({ length: 64 }, (_, i) =>
        webhookEvents.message(groupId, `m${i}`, { timestamp: t + 1 + i }),
      ),
    ];
    const answers = await Promise.all(events.map((e) => h.post([e], { settle: false })));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    await h.processing.drain();
    expect(await h.registry.recentEvents(groupId, 100)).toHaveLength(65);
    expect((await h.registry.load(groupId))?.group.lastActivityAt).toBe(new Date(t + 64).toISOString());
  }, 60_000);

  it('routine activity moves lastActivityAt with one conditional write and keeps no event record', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([webhookEvents.join(groupId, { timestamp: t - 120_000 })]);
    const touched = h.recorder.metric('activityTouched');
    await h.post([webhookEvents.message(groupId, 'こんにちは', { timestamp: t })]);
    await h.post(asRedelivery([webhookEvents.message(groupId, 'older', { timestamp: t - 1000 })]));
    expect(h.recorder.metric('activityTouched')).toBe(touched + 2);
    expect((await h.registry.load(groupId))?.group.lastActivityAt).toBe(new Date(t).toISOString());
    expect((await h.registry.recentEvents(groupId)).map((e) => e.eventType)).toEqual(['join']);
  });
});

describe("LINE's modes", () => {
  it('standby (another channel holds the chat): recorded, never answered, and a join without a reply token is accepted', async () => {
    const coupon = await createCoupon(
      {
        title: '10%OFF',
        startsAt: new Date(Date.now() - 3_600_000),
        endsAt: new Date(Date.now() + 3_600_000),
        reward: { type: 'discount', percentage: 10 },
      },
      h.couponDeps,
    );
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    try {
      const groupId = newGroupId();
      const t = Date.now();
      const { replyToken: _none, ...standbyJoin } = {
        ...webhookEvents.join(groupId, { timestamp: t }),
        mode: 'standby',
      };
      const keyword = {
        ...webhookEvents.message(groupId, 'クーポンください', {
          timestamp: t + 1,
          replyToken: h.line.state.issueReplyToken(groupId),
        }),
        mode: 'standby',
      };
      const other = newGroupId();
      const res = await h.post([standbyJoin as typeof keyword, keyword, join(other)]);
      expect(res.statusCode).toBe(200);
      expect((await h.registry.load(groupId))?.group).toMatchObject({ status: 'active', joinCount: 1 });
      expect((await h.registry.recentEvents(groupId)).map((e) => [e.eventType, e.mode, e.reply])).toEqual([
        ['message', 'standby', undefined],
        ['join', 'standby', undefined],
      ]);
      expect(sentTo(groupId)).toEqual([]);
      expect(sentTo(other)).toHaveLength(1); // the active chat in the same webhook is answered
    } finally {
      await setGroupCoupon(undefined, h.couponDeps);
    }
  });
});

describe('routine activity: the DynamoDB condition and the domain rule agree', () => {
  it('for any chat state, touchActivity applies exactly when isRoutineActivity holds (property, DynamoDB Local)', async () => {
    const T = Date.parse('2026-11-20T00:00:00.000Z');
    const time = fc.option(
      fc.integer({ min: 0, max: 400 }).map((s) => new Date(T + s * 1000).toISOString()),
      {
        nil: undefined,
      },
    );
    const policy = { ejectionWindowMs: 60_000 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          status: fc.constantFrom<Group['status']>('active', 'left', 'ejected'),
          firstSeen: fc.integer({ min: 0, max: 400 }),
          joinedAt: time,
          leftAt: time,
          notMemberAt: time,
          lastActivityAt: time,
          at: fc.integer({ min: 0, max: 500 }),
          laterBy: fc.integer({ min: 0, max: 100 }),
        }),
        async (s) => {
          const groupId = newGroupId();
          const group: Group = {
            groupId,
            chatType: 'group',
            firstSeenAt: new Date(T + s.firstSeen * 1000).toISOString(),
            joinCount: s.joinedAt ? 1 : 0,
            status: s.status,
            statusChangedAt: new Date(T).toISOString(),
            ...(s.joinedAt && { joinedAt: s.joinedAt }),
            ...(s.leftAt && { leftAt: s.leftAt }),
            ...(s.notMemberAt && { notMemberAt: s.notMemberAt }),
            ...(s.lastActivityAt && { lastActivityAt: s.lastActivityAt }),
          };
          await h.documents.send(
            new PutCommand({ TableName: h.tables.groups, Item: { ...group, version: 1, updatedAt: 'x' } }),
          );
          // Several events at once: the rule holds for the earliest, lastActivityAt takes the latest.
          const earliest = new Date(T + s.at * 1000).toISOString();
          const latest = new Date(T + (s.at + s.laterBy) * 1000).toISOString();
          const routine = isRoutineActivity(group, earliest, policy);
          const result = await h.registry.touchActivity(
            groupId,
            { earliest, latest },
            policy.ejectionWindowMs,
          );
          expect(result.applied).toBe(routine);
          const after = (await h.registry.load(groupId))!;
          const newer = (group.lastActivityAt ?? '') < latest;
          expect(after.group.lastActivityAt).toBe(routine && newer ? latest : group.lastActivityAt);
          expect(after.version).toBe(routine && newer ? 2 : 1);
          if (!result.applied) expect(result.stored?.group).toEqual(group);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
