import fc from 'fast-check';
import type { DailyCounts } from '../../lambda/app/ports';
import { japanDay } from '../../lambda/domain/group';
import { webhookEvents, type WebhookEvent } from '../../lib/local/simulator/webhook-events';
import {
  chatId,
  eventId,
  propertyRuns,
  RUN_TIMEOUT_MS,
  shuffledDeliveries,
  userId,
} from '../support/generators';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * The overview's per-day counters (joins, leaves, ejections; Japan time) end the same whatever
 * order a chat's events arrive in: every join counts once on its day, every leave once on its day
 * as a leave or an ejection.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MASS_LEAVE_MIN_GROUPS: '1000000' });
});
afterAll(() => h.close());

const DAY = 86_400_000;
/** 2026-11-23 23:58 in Japan: events two minutes either side fall on two days. */
const NEAR_MIDNIGHT = Date.parse('2026-11-23T14:58:00.000Z');

const countsOn = async (days: string[]): Promise<DailyCounts[]> => h.runtime.processing.stats.daily(days);
const daysAround = (base: number) => [
  japanDay(new Date(base).toISOString()),
  japanDay(new Date(base + 5 * 60_000).toISOString()),
];
const strip = (counts: DailyCounts[]) =>
  counts.map(({ joins, leaves, ejections }) => ({ joins, leaves, ejections }));

describe('daily counts (Japan time)', () => {
  it.each([
    ['join first', ['join', 'leave']],
    ['leave first', ['leave', 'join']],
  ] as const)(
    'an ejection across midnight counts its join on the first day and its ejection on the second (%s)',
    async (_name, order) => {
      const base = NEAR_MIDNIGHT + (order[0] === 'join' ? 10 : 12) * DAY;
      const groupId = chatId(`midnight-${order[0]}`);
      const events = {
        join: webhookEvents.join(groupId, { timestamp: base + 100_000 }), // 23:59:40
        leave: webhookEvents.leave(groupId, { timestamp: base + 130_000 }), // 00:00:10 the next day
      };
      for (const type of order) await h.post([events[type]]);
      expect((await h.registry.load(groupId))?.group.status).toBe('ejected');
      expect(strip(await countsOn(daysAround(base)))).toEqual([
        { joins: 1, leaves: 0, ejections: 0 },
        { joins: 0, leaves: 0, ejections: 1 },
      ]);
    },
  );

  it("any order, batching and redelivery of one chat's events count the same as time order (property)", async () => {
    const type = fc.constantFrom('join', 'leave', 'message', 'postback', 'memberJoined', 'memberLeft');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ type, seconds: fc.integer({ min: 0, max: 240 }), id: eventId() }), {
          minLength: 1,
          maxLength: 10,
          selector: (s) => s.id,
        }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        async (specs, again, random) => {
          // Each run's chats get days of their own: the reference's, then the subject's.
          run += 1;
          const reference = NEAR_MIDNIGHT + (100 + 4 * run) * DAY;
          const subject = reference + 2 * DAY;
          const make =
            (base: number, groupId: string) =>
            (s: (typeof specs)[number], isRedelivery = false) =>
              materialize(groupId, s.type, base + s.seconds * 1000, `${s.id}${base}`, isRedelivery);
          const asReference = make(reference, chatId(`ref-${run}`));
          const asSubject = make(subject, chatId(`sub-${run}`));
          const inOrder = [...specs].sort((a, b) => a.seconds - b.seconds || (a.id < b.id ? -1 : 1));
          for (const s of inOrder) await h.post([asReference(s)]);
          const deliveries = [
            ...specs.map((s) => asSubject(s)),
            ...again.map((i) => asSubject(specs[i % specs.length]!, true)),
          ];
          for (const webhook of shuffledDeliveries(deliveries, random)) await h.post(webhook);
          expect(strip(await countsOn(daysAround(subject)))).toEqual(
            strip(await countsOn(daysAround(reference))),
          );
        },
      ),
      { numRuns: propertyRuns(8, 50), timeout: RUN_TIMEOUT_MS },
    );
  }, 300_000);
});

function materialize(
  groupId: string,
  type: string,
  timestamp: number,
  id: string,
  isRedelivery: boolean,
): WebhookEvent {
  const options = { timestamp, webhookEventId: id, isRedelivery };
  switch (type) {
    case 'message':
      return webhookEvents.message(groupId, 'hi', { ...options, userId: userId(id) });
    case 'postback':
      return webhookEvents.postback(groupId, 'action=x', { ...options, userId: userId(id) });
    case 'memberJoined':
    case 'memberLeft':
      return webhookEvents[type](groupId, [userId(id)], options);
    case 'join':
      return webhookEvents.join(groupId, options);
    default:
      return webhookEvents.leave(groupId, options);
  }
}
