import fc from 'fast-check';
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
 * Members under redelivery, reordering and batching: the same member events end in the same
 * members and the same counts as applied once each in time order (property, DynamoDB Local).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MASS_LEAVE_MIN_GROUPS: '1000000' });
  // Two of the five people are friends of the OA (LINE's profile API says so when asked).
  for (const person of [0, 1]) {
    await fetch(`${h.line.url}/emulator/friends/${userId(`person-${person}`)}`, {
      method: 'PUT',
      body: JSON.stringify({ friend: true }),
    });
  }
});
afterAll(() => h.close());

const T = Date.parse('2026-11-23T09:00:00.000Z');
type Spec = {
  type: 'memberJoined' | 'memberLeft' | 'message' | 'postback';
  seconds: number;
  person: number;
  id: string;
};

function materialize(groupId: string, spec: Spec, isRedelivery = false): WebhookEvent {
  const options = {
    timestamp: T + spec.seconds * 1000,
    webhookEventId: `${spec.id}${groupId.slice(-4)}`,
    isRedelivery,
  };
  const person = userId(`person-${spec.person}`);
  switch (spec.type) {
    case 'message':
      return webhookEvents.message(groupId, 'hi', { ...options, userId: person });
    case 'postback':
      return webhookEvents.postback(groupId, 'x=1', { ...options, userId: person });
    default:
      return webhookEvents[spec.type](groupId, [person], options);
  }
}

/** What a reader sees of a chat's members: their facts, and the chat's counts. */
async function membersOf(groupId: string) {
  const { members } = h.runtime.processing.people;
  const stored = await members.ofChat(groupId);
  const reach = await members.reach(groupId);
  return {
    members: stored
      .map(({ member, counted }) => {
        const { groupId: _g, displayName: _n, displayNameAt: _a, ...facts } = member;
        return { ...facts, counted };
      })
      .sort((a, b) => a.userId.localeCompare(b.userId)),
    knownMembers: reach?.reach.knownMembers ?? 0,
    friends: reach?.reach.friends ?? 0,
  };
}

describe('members under redelivery and reordering (property, DynamoDB Local)', () => {
  it('shuffled, batched and redelivered member events end in the same members and counts as time order', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            type: fc.constantFrom<Spec['type']>('memberJoined', 'memberLeft', 'message', 'postback'),
            seconds: fc.integer({ min: 0, max: 3 * 86_400 }),
            person: fc.integer({ min: 0, max: 4 }),
            id: eventId(),
          }),
          { minLength: 1, maxLength: 12, selector: (s) => s.id },
        ),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.infiniteStream(fc.nat()),
        async (specs, again, random) => {
          run += 1;
          const reference = chatId(`members-reference-${run}`);
          const subject = chatId(`members-subject-${run}`);
          for (const chat of [reference, subject])
            await h.post([webhookEvents.join(chat, { timestamp: T - 3_600_000 })]);
          const inOrder = [...specs].sort((a, b) => a.seconds - b.seconds || (a.id < b.id ? -1 : 1));
          for (const s of inOrder) await h.post([materialize(reference, s)]);
          const deliveries = [
            ...specs.map((s) => materialize(subject, s)),
            ...again.map((i) => materialize(subject, specs[i % specs.length]!, true)),
          ];
          for (const webhook of shuffledDeliveries(deliveries, random)) await h.post(webhook);
          await h.processing.sweep(); // friendship checks LINE still owed
          const [ref, sub] = [await membersOf(reference), await membersOf(subject)];
          expect(sub).toEqual(ref);
          // Counts are what the members count for.
          expect(sub.knownMembers).toBe(sub.members.filter((m) => m.status === 'present').length);
          expect(sub.friends).toBe(sub.members.filter((m) => m.counted.friend).length);
        },
      ),
      { numRuns: propertyRuns(10, 100), timeout: RUN_TIMEOUT_MS },
    );
  }, 900_000);
});
