import fc from 'fast-check';
import type { Group } from '../../lambda/domain/group';
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

let h: Harness;
beforeAll(async () => {
  // Every run's chats leave around the same fixed time: that is a mass leave, pinned on its own in
  // mass-leave.test.ts; here only each chat's own lifecycle is compared.
  h = await startHarness({ MASS_LEAVE_MIN_GROUPS: '1000000' });
});
afterAll(() => h.close());

const T = Date.parse('2026-11-23T09:00:00.000Z');
type Spec = {
  type: 'join' | 'leave' | 'message' | 'memberJoined' | 'memberLeft' | 'postback';
  seconds: number;
  id: string;
};

function materialize(groupId: string, spec: Spec, isRedelivery = false): WebhookEvent {
  const options = { timestamp: T + spec.seconds * 1000, webhookEventId: spec.id, isRedelivery };
  switch (spec.type) {
    case 'message':
      return webhookEvents.message(groupId, 'hi', { ...options, userId: userId(spec.id) });
    case 'postback':
      return webhookEvents.postback(groupId, 'action=x', { ...options, userId: userId(spec.id) });
    case 'memberJoined':
    case 'memberLeft':
      return webhookEvents[spec.type](groupId, [userId(spec.id)], options);
    default:
      return webhookEvents[spec.type](groupId, options);
  }
}

/**
 * The lifecycle part of the item: what LINE's API told us and our bookkeeping are not about order,
 * nor is which of several member joins got the welcome card (the first to arrive does).
 */
function lifecycle(group: Group | undefined) {
  if (!group) return undefined;
  const {
    groupId: _id,
    groupName: _n,
    pictureUrl: _p,
    memberCount: _c,
    summaryObservedAt: _s,
    memberCountObservedAt: _m,
    lastMemberWelcomeAt: _w,
    ...rest
  } = group;
  return rest;
}

describe('group registry under redelivery and reordering (property, DynamoDB Local)', () => {
  it('events delivered with duplicates, shuffled and batched end in the same table state as each applied once in timestamp order', async () => {
    const spec = fc.record({
      type: fc.constantFrom<Spec['type']>(
        'join',
        'leave',
        'message',
        'memberJoined',
        'memberLeft',
        'postback',
      ),
      seconds: fc.integer({ min: 0, max: 200 }),
      id: eventId(),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spec, { minLength: 1, maxLength: 12, selector: (s) => s.id }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        async (specs, duplicates, random) => {
          run += 1;
          const reference = chatId(`order-reference-${run}`);
          const subject = chatId(`order-subject-${run}`);
          const inOrder = [...specs].sort((a, b) => a.seconds - b.seconds || (a.id < b.id ? -1 : 1));
          for (const s of inOrder) expect((await h.post([materialize(reference, s)])).statusCode).toBe(200);

          const deliveries = [
            ...specs.map((s) => materialize(subject, s)),
            ...duplicates.map((d) => materialize(subject, specs[d % specs.length]!, true)),
          ];
          for (const webhook of shuffledDeliveries(deliveries, random)) {
            expect((await h.post(webhook)).statusCode).toBe(200);
          }

          expect(lifecycle((await h.registry.load(subject))?.group)).toEqual(
            lifecycle((await h.registry.load(reference))?.group),
          );
          // Each event recorded at most once; every lifecycle event recorded. (Routine activity,
          // past the ejection window, only moves lastActivityAt and keeps no record.)
          const recorded = (await h.registry.recentEvents(subject, 100)).map((e) => e.webhookEventId);
          expect(new Set(recorded).size).toBe(recorded.length);
          expect(specs.map((s) => s.id)).toEqual(expect.arrayContaining(recorded));
          const lifecycleIds = specs
            .filter((s) => !['message', 'postback'].includes(s.type))
            .map((s) => s.id);
          expect(recorded).toEqual(expect.arrayContaining(lifecycleIds));
        },
      ),
      { numRuns: propertyRuns(15, 200), timeout: RUN_TIMEOUT_MS },
    );
  }, 900_000);
});
