import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { WebhookEvent } from '../../lib/local/simulator/webhook-events';

/**
 * Pure, replayable inputs for property tests: every id comes from fast-check or from a seed, never
 * from the clock or Math.random, so the seed fast-check prints reproduces a failure exactly.
 */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const hex32 = (seed: string) => createHash('sha256').update(seed).digest('hex').slice(0, 32);

/** A webhookEventId shaped as LINE's (a ULID), drawn by fast-check. */
export const eventId = () =>
  fc
    .array(fc.integer({ min: 0, max: 31 }), { minLength: 26, maxLength: 26 })
    .map((digits) => digits.map((d) => CROCKFORD[d]).join(''));

/** A group id (`C…`) or, with `room`, a room id (`R…`), the same for the same seed. */
export const chatId = (seed: string, room = false) => `${room ? 'R' : 'C'}${hex32(`chat:${seed}`)}`;

/** A user id (`U…`), the same for the same seed. */
export const userId = (seed: string) => `U${hex32(`user:${seed}`)}`;

/**
 * The deliveries shuffled with fast-check's randomness, then cut into webhooks of one to three
 * events, as LINE sends a busy chat's events (several to a webhook, in any order).
 */
export function shuffledDeliveries(deliveries: WebhookEvent[], random: fc.Stream<number>): WebhookEvent[][] {
  const shuffled = [...deliveries];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.next().value! % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const webhooks: WebhookEvent[][] = [];
  while (shuffled.length > 0) webhooks.push(shuffled.splice(0, 1 + (random.next().value! % 3)));
  return webhooks;
}

/**
 * Runs of a property: a few in `npm test` (minutes, not tens), many in `npm run test:deep`
 * (DEEP_PROPERTIES=1), which is what is run before a change lands.
 */
export const propertyRuns = (quick: number, deep: number) => (process.env.DEEP_PROPERTIES ? deep : quick);

/**
 * One run of a property against DynamoDB Local that takes longer than this is a hang, not a slow
 * machine: fast-check then fails it with its counterexample instead of jest timing the test out.
 */
export const RUN_TIMEOUT_MS = 60_000;
