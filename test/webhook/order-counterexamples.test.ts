import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * Counterexamples fast-check found for the order-independence property, and their siblings from
 * the review, pinned as plain cases (the property itself is in order-independence.test.ts).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MASS_LEAVE_MIN_GROUPS: '1000000' });
});
afterAll(() => h.close());

const T = Date.parse('2026-11-23T09:00:00.000Z');
const s = (seconds: number) => T + seconds * 1000;
const iso = (seconds: number) => new Date(s(seconds)).toISOString();
const load = async (groupId: string) => (await h.registry.load(groupId))?.group;

describe('events earlier than what the chat has seen are never taken as routine activity', () => {
  it('[message 61 s, join 1 s, message 0 s]: the join first, then the two messages in one webhook', async () => {
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: s(1) })]);
    await h.post([
      webhookEvents.message(groupId, 'hi', { timestamp: s(61) }),
      webhookEvents.message(groupId, 'hi', { timestamp: s(0) }),
    ]);
    expect(await load(groupId)).toMatchObject({ firstSeenAt: iso(0), lastActivityAt: iso(61) });
  });

  it('[message 61 s, join 1 s, postback 0 s]', async () => {
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: s(1) })]);
    await h.post([
      webhookEvents.message(groupId, 'hi', { timestamp: s(61) }),
      webhookEvents.postback(groupId, 'action=x', { timestamp: s(0) }),
    ]);
    expect(await load(groupId)).toMatchObject({ firstSeenAt: iso(0), lastActivityAt: iso(61) });
  });

  it('a chat never joined: a message at T, then messages at T-2 h and T+2 h in one webhook', async () => {
    const groupId = newGroupId();
    await h.post([webhookEvents.message(groupId, 'hi', { timestamp: s(0) })]);
    await h.post([
      webhookEvents.message(groupId, 'hi', { timestamp: s(-7200) }),
      webhookEvents.message(groupId, 'hi', { timestamp: s(7200) }),
    ]);
    expect(await load(groupId)).toMatchObject({
      status: 'active',
      firstSeenAt: iso(-7200),
      // statusChangedAt is byStatus's sort key: `groups list --since` and the console's order.
      statusChangedAt: iso(-7200),
      lastActivityAt: iso(7200),
    });
  });

  it('a message inside the ejection window keeps its event record when one past it shares the webhook', async () => {
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: s(0), webhookEventId: `J${groupId}` })]);
    const inWindow = webhookEvents.message(groupId, 'hi', { timestamp: s(30) });
    const past = webhookEvents.message(groupId, 'hi', { timestamp: s(90) });
    await h.post([inWindow, past]);
    const recorded = (await h.registry.recentEvents(groupId)).map((e) => e.webhookEventId);
    expect(recorded).toContain(inWindow.webhookEventId);
    expect(await load(groupId)).toMatchObject({ lastActivityAt: iso(90) });
  });
});

describe('a leave of the same millisecond as the latest presence', () => {
  it('join and leave in one webhook with one timestamp: ejected', async () => {
    const groupId = newGroupId();
    await h.post([
      webhookEvents.join(groupId, { timestamp: s(0) }),
      webhookEvents.leave(groupId, { timestamp: s(0) }),
    ]);
    expect(await load(groupId)).toMatchObject({ status: 'ejected', leaveReason: 'second_official_account' });
  });

  it('a message and a leave with one timestamp, long after the join: left, in either order', async () => {
    for (const order of ['message first', 'leave first']) {
      const groupId = newGroupId();
      await h.post([webhookEvents.join(groupId, { timestamp: s(-3600) })]);
      const message = webhookEvents.message(groupId, 'bye', { timestamp: s(0) });
      const leave = webhookEvents.leave(groupId, { timestamp: s(0) });
      for (const event of order === 'message first' ? [message, leave] : [leave, message]) {
        await h.post([event]);
      }
      expect({ order, ...(await load(groupId)) }).toMatchObject({
        order,
        status: 'left',
        leaveReason: 'removed',
        statusChangedAt: iso(0),
      });
    }
  });
});
