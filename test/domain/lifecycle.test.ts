import fc from 'fast-check';
import type { ChatEvent } from '../../lambda/domain/events';
import type { Group } from '../../lambda/domain/group';
import {
  applyEvent,
  applyObservation,
  decide,
  defaultLifecyclePolicy,
  requestLeave,
  withdrawLeaveRequest,
} from '../../lambda/domain/lifecycle';

const policy = defaultLifecyclePolicy;
const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
let counter = 0;
const event = (type: ChatEvent['type'], seconds: number, groupId = 'Cgroup'): ChatEvent =>
  ({
    type,
    groupId,
    chatType: 'group',
    at: at(seconds),
    webhookEventId: `E${String(++counter).padStart(6, '0')}`,
    isRedelivery: false,
    ...(type === 'join' && { replyToken: 'token' }),
  }) as ChatEvent;
const replay = (events: ChatEvent[], start?: Group) =>
  events.reduce<Group | undefined>((group, e) => applyEvent(group, e, policy), start)!;

describe('group lifecycle', () => {
  it('a join makes the chat active since the join, counted once', () => {
    const group = replay([event('join', 0)]);
    expect(group).toMatchObject({ status: 'active', statusChangedAt: at(0), joinedAt: at(0), joinCount: 1 });
    expect(group.leaveReason).toBeUndefined();
  });

  it('a leave within the window after a join, with no activity, is an ejection by a second official account', () => {
    const group = replay([event('join', 0), event('leave', 2)]);
    expect(group).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
      statusChangedAt: at(2),
    });
  });

  it('a leave exactly at the window edge is still an ejection; one second later it is a removal', () => {
    expect(replay([event('join', 0), event('leave', 60)]).status).toBe('ejected');
    expect(replay([event('join', 0), event('leave', 61)])).toMatchObject({
      status: 'left',
      leaveReason: 'removed',
    });
  });

  it.each(['message', 'postback', 'memberJoined', 'memberLeft'] as const)(
    'a quick leave after %s in the chat is a removal, not an ejection',
    (activity) => {
      const group = replay([event('join', 0), event(activity, 1), event('leave', 2)]);
      expect(group).toMatchObject({ status: 'left', leaveReason: 'removed', lastActivityAt: at(1) });
    },
  );

  it('the window is configurable', () => {
    const group = [event('join', 0), event('leave', 90)].reduce<Group | undefined>(
      (g, e) => applyEvent(g, e, { ejectionWindowMs: 120_000 }),
      undefined,
    )!;
    expect(group.status).toBe('ejected');
  });

  it('a leave that arrives before its join is reclassified as an ejection when the join arrives', () => {
    const leave = event('leave', 5);
    const join = event('join', 0);
    const afterLeave = replay([leave]);
    expect(afterLeave).toMatchObject({ status: 'left', leaveReason: 'removed' });
    const afterJoin = applyEvent(afterLeave, join, policy);
    expect(afterJoin).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
      joinCount: 1,
    });
    expect(decide(afterLeave, afterJoin, join)).toBe('ejected');
  });

  it('a stale join never reactivates a chat that left later', () => {
    const left = replay([event('join', 100), event('message', 110), event('leave', 200)]);
    const stale = event('join', 50);
    const next = applyEvent(left, stale, policy);
    expect(next).toMatchObject({ status: 'left', joinedAt: at(100), joinCount: 2 });
    expect(decide(left, next, stale)).toBe('stale');
  });

  it('a re-invitation after a removal makes the chat active again and counts the second join', () => {
    const group = replay([event('join', 0), event('message', 10), event('leave', 100), event('join', 200)]);
    expect(group).toMatchObject({
      status: 'active',
      statusChangedAt: at(200),
      joinCount: 2,
      leftAt: at(100),
    });
    expect(group.leaveReason).toBeUndefined();
  });

  it('activity from a chat never seen joining registers it as active since that activity', () => {
    const group = replay([event('message', 30)]);
    expect(group).toMatchObject({
      status: 'active',
      statusChangedAt: at(30),
      joinCount: 0,
      firstSeenAt: at(30),
    });
  });

  it('"not a member" from LINE at join is an ejection, even before the leave arrives', () => {
    const joined = replay([event('join', 0)]);
    const refused = applyObservation(joined, { type: 'notMember', at: at(0) }, policy);
    expect(refused).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
      statusChangedAt: at(0),
    });
    // The leave LINE sends later (even outside the window) keeps it an ejection.
    expect(applyEvent(refused, event('leave', 300), policy)).toMatchObject({
      status: 'ejected',
      leftAt: at(300),
    });
  });

  it('"not a member" later, with no leave event, marks the chat left/not_a_member', () => {
    const group = replay([event('join', 0), event('message', 10)]);
    const next = applyObservation(group, { type: 'notMember', at: at(500) }, policy);
    expect(next).toMatchObject({ status: 'left', leaveReason: 'not_a_member', statusChangedAt: at(500) });
  });

  it('a leave the operator asked for is left_by_operator, even right after the join', () => {
    const joined = replay([event('join', 0)]);
    const requested = requestLeave(joined, at(1), policy);
    expect(requested.status).toBe('active');
    expect(applyEvent(requested, event('leave', 2), policy)).toMatchObject({
      status: 'left',
      leaveReason: 'left_by_operator',
    });
  });

  it("a leave the operator asked for is left_by_operator though our clock runs a few ms ahead of LINE's", () => {
    const joined = replay([event('join', 0)]);
    // Requested at 20.005 s by our clock; LINE stamps the leave 20.000 s: still the operator's,
    // never an ejection (it is inside the ejection window).
    const requested = requestLeave(joined, at(20.005), policy);
    expect(applyEvent(requested, event('leave', 20), policy)).toMatchObject({
      status: 'left',
      leaveReason: 'left_by_operator',
    });
  });

  it("a leave long after the request is not the operator's (LINE refused it, or someone else acted)", () => {
    const joined = replay([event('join', 0), event('message', 100)]);
    const requested = requestLeave(joined, at(200), policy);
    expect(applyEvent(requested, event('leave', 200 + 3600), policy)).toMatchObject({
      status: 'left',
      leaveReason: 'removed',
    });
  });

  it('a withdrawn request (LINE refused it) explains nothing', () => {
    const joined = replay([event('join', 0), event('message', 100)]);
    const withdrawn = withdrawLeaveRequest(requestLeave(joined, at(200), policy), at(200), policy);
    expect(withdrawn.leaveRequestedAt).toBeUndefined();
    expect(applyEvent(withdrawn, event('leave', 201), policy).leaveReason).toBe('removed');
    // Only the request it names: a newer one stays.
    const newer = requestLeave(joined, at(300), policy);
    expect(withdrawLeaveRequest(newer, at(200), policy).leaveRequestedAt).toBe(at(300));
  });

  it.each([
    ['join then leave', ['join', 'leave']],
    ['leave then join', ['leave', 'join']],
  ] as const)('a join and a leave of the same millisecond (%s) are an ejection', (_name, order) => {
    const group = replay(order.map((type) => event(type, 10)));
    expect(group).toMatchObject({ status: 'ejected', leaveReason: 'second_official_account' });
  });

  it.each([
    ['message then leave', ['message', 'leave']],
    ['leave then message', ['leave', 'message']],
  ] as const)('a message and a leave of the same millisecond (%s) end left, not active', (_name, order) => {
    const group = replay([event('join', 0), ...order.map((type) => event(type, 100))]);
    expect(group).toMatchObject({ status: 'left', leaveReason: 'removed', statusChangedAt: at(100) });
  });

  it('an older summary never overwrites a newer one', () => {
    const group = replay([event('join', 0)]);
    const newer = applyObservation(group, { type: 'summary', at: at(20), groupName: 'New' }, policy);
    const older = applyObservation(newer, { type: 'summary', at: at(10), groupName: 'Old' }, policy);
    expect(older.groupName).toBe('New');
  });

  it('rooms (multi-person chats) follow the same lifecycle', () => {
    const room = { ...event('join', 0, 'Rroom'), chatType: 'room' } as ChatEvent;
    expect(replay([room])).toMatchObject({ chatType: 'room', groupId: 'Rroom', status: 'active' });
  });
});

describe('order independence (property)', () => {
  const lifecycleEvent = fc.record({
    type: fc.constantFrom<ChatEvent['type']>(
      'join',
      'leave',
      'message',
      'postback',
      'memberJoined',
      'memberLeft',
    ),
    // Seconds on a small range, so joins, leaves and activity land inside and outside the window.
    seconds: fc.integer({ min: 0, max: 300 }),
  });

  it('any order of the same distinct events ends in the same chat as timestamp order', () => {
    fc.assert(
      fc.property(
        fc.array(lifecycleEvent, { minLength: 1, maxLength: 12 }),
        fc.infiniteStream(fc.nat()),
        (specs, rand) => {
          const events = specs.map((s) => event(s.type, s.seconds));
          const inOrder = [...events].sort((a, b) =>
            a.at === b.at ? (a.webhookEventId < b.webhookEventId ? -1 : 1) : a.at < b.at ? -1 : 1,
          );
          const shuffled = [...events];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = rand.next().value! % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          expect(replay(shuffled)).toEqual(replay(inOrder));
        },
      ),
      { numRuns: 500 },
    );
  });
});
