import { sweepOutbox } from '../../lambda/app/outbox';
import { setGroupCoupon, createCoupon } from '../../lambda/app/manage-coupons';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * The work after a commit (announcing a status change, replies and their bookkeeping, the
 * mass-leave check) is kept in the same transaction as an outbox entry. A fault injected right
 * after each commit point ends, after the retry (the stream's, or the sweep's), with the effect
 * applied exactly once. Faults are thrown by the real adapters right after their real write.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const HOUR = 3_600_000;
/** Makes `method` of `target` do its real work, then throw once when `when` holds for its arguments. */
function crashAfter<T extends object, K extends keyof T>(
  target: T,
  method: K,
  when: (...args: never[]) => boolean = () => true,
): { crashes: number } {
  const real = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  const state = { crashes: 0 };
  jest.spyOn(target, method as never).mockImplementation((async (...args: never[]) => {
    const result = await real(...args);
    if (state.crashes === 0 && when(...args)) {
      state.crashes += 1;
      throw new Error('injected: the process died right after this commit');
    }
    return result;
  }) as never);
  return state;
}
/** Makes `method` throw once instead of doing its work: the process died just before it. */
function crashBefore<T extends object, K extends keyof T>(target: T, method: K): { crashes: number } {
  const real = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  const state = { crashes: 0 };
  jest.spyOn(target, method as never).mockImplementation((async (...args: never[]) => {
    if (state.crashes === 0) {
      state.crashes += 1;
      throw new Error('injected: the process died before this');
    }
    return real(...args);
  }) as never);
  return state;
}
const outboxLeft = async (groupId: string) => h.runtime.processing.outbox.pendingFor(groupId);
/** The sweep as it runs once every claim has lapsed (its process died). */
const sweepLater = () =>
  sweepOutbox({ ...h.runtime.processing, clock: { now: () => new Date(Date.now() + 10 * 60_000) } });

describe('a fault right after a commit, then the retry', () => {
  it('an ejection saved but not yet announced: counted and warned once after the retry', async () => {
    const crash = crashAfter(
      h.runtime.processing.registry,
      'save',
      (group: { status?: string }) => group.status === 'ejected',
    );
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([
      webhookEvents.join(groupId, { timestamp: t - 1000 }),
      webhookEvents.leave(groupId, { timestamp: t }),
    ]);
    expect(crash.crashes).toBe(1);
    expect((await h.registry.load(groupId))?.group.status).toBe('ejected');
    expect(h.recorder.metric('groupsEjected')).toBe(1);
    expect(h.recorder.lines.filter((l) => l.message.startsWith(`group ejected: ${groupId}`))).toHaveLength(1);
    expect(await outboxLeft(groupId)).toEqual([]);
  });

  it('a keyword saved but not yet answered: the reply goes out once after the retry', async () => {
    const coupon = await createCoupon(
      {
        title: 'c',
        startsAt: new Date(Date.now() - HOUR),
        endsAt: new Date(Date.now() + HOUR),
        reward: { type: 'free' },
      },
      h.couponDeps,
    );
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: Date.now() - HOUR })]);
    const crash = crashAfter(
      h.runtime.processing.registry,
      'save',
      (_group: unknown, _version: unknown, events: { reply?: string }[]) =>
        events.some((e) => e.reply === 'coupon'),
    );
    await h.post([
      webhookEvents.message(groupId, 'クーポン', { replyToken: h.line.state.issueReplyToken(groupId) }),
    ]);
    expect(crash.crashes).toBe(1);
    const replies = h.line.state.sent.filter((s) => s.to === groupId && s.via === 'reply');
    expect(replies.map((r) => r.messages.map((m) => m.type))).toEqual([['text', 'coupon']]);
    expect(h.recorder.metric('couponRepliesSent')).toBe(1);
    expect(await outboxLeft(groupId)).toEqual([]);
  });

  it('a reply sent, then the process died before its entry was done: the sweep finishes it and sends nothing again', async () => {
    const crash = crashBefore(h.runtime.processing.outbox, 'done');
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { replyToken: h.line.state.issueReplyToken(groupId) })]);
    expect(crash.crashes).toBe(1);
    expect(await outboxLeft(groupId)).toHaveLength(1);
    await sweepLater();
    expect(h.line.state.sent.filter((s) => s.to === groupId)).toHaveLength(1);
    expect(h.recorder.metric('welcomesSent')).toBe(1);
    expect(h.recorder.metric('groupsJoined')).toBe(1);
    expect(h.recorder.metric('outboxRetried')).toBe(1);
    expect(h.recorder.metric('repliesFailed')).toBe(0);
    expect(await outboxLeft(groupId)).toEqual([]);
  });
});

describe('mass leave: a fault after each of its commits', () => {
  /** Five chats joined two hours ago; four leaving is a mass leave (3 chats and 80 %). */
  async function fiveChats() {
    const ids = Array.from({ length: 5 }, () => newGroupId());
    const t = Date.now();
    await h.post(ids.map((id, i) => webhookEvents.join(id, { timestamp: t - 2 * HOUR + i })));
    const leave = (i: number) => h.post([webhookEvents.leave(ids[i]!, { timestamp: t + i * 1000 })]);
    return { ids, leave };
  }
  const reasons = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await h.registry.load(id))?.group.leaveReason));

  it('the removal that makes it one is saved, then the process dies: after the retry every chat is mass_leave, announced once', async () => {
    const { ids, leave } = await fiveChats();
    for (const i of [0, 1, 2]) await leave(i);
    crashAfter(h.runtime.processing.registry, 'save');
    await leave(3);
    expect(await reasons(ids.slice(0, 4))).toEqual(Array(4).fill('mass_leave'));
    expect(h.recorder.metric('massLeaves')).toBe(1);
  });

  it('the burst is marked, then the process dies: the sweep announces and re-marks, once', async () => {
    const { ids, leave } = await fiveChats();
    for (const i of [0, 1, 2]) await leave(i);
    const crash = crashAfter(h.runtime.processing.stats, 'markMassLeave');
    await leave(3);
    expect(crash.crashes).toBe(1);
    expect(await reasons(ids.slice(0, 4))).toEqual(Array(4).fill('removed'));
    expect(h.recorder.metric('massLeaves')).toBe(0);
    await sweepLater();
    expect(await reasons(ids.slice(0, 4))).toEqual(Array(4).fill('mass_leave'));
    expect(h.recorder.metric('massLeaves')).toBe(1);
    await sweepLater();
    expect(h.recorder.metric('massLeaves')).toBe(1);
    for (const id of ids.slice(0, 4)) {
      expect((await h.registry.recentEvents(id)).filter((e) => e.eventType === 'massLeave')).toHaveLength(1);
    }
  });

  it('re-marking dies half-way: the sweep marks the rest, each chat once', async () => {
    const { ids, leave } = await fiveChats();
    for (const i of [0, 1, 2]) await leave(i);
    const crash = crashAfter(h.runtime.processing.registry, 'saveMany');
    await leave(3);
    expect(crash.crashes).toBe(1);
    await sweepLater();
    expect(await reasons(ids.slice(0, 4))).toEqual(Array(4).fill('mass_leave'));
    expect(h.recorder.metric('massLeaves')).toBe(1);
    for (const id of ids.slice(0, 4)) {
      expect((await h.registry.recentEvents(id)).filter((e) => e.eventType === 'massLeave')).toHaveLength(1);
    }
  });
});
