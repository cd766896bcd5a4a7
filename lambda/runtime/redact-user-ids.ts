import { createHash } from 'node:crypto';

/** LINE's user ids: `U` and 32 hex digits. */
const USER_ID = /U[0-9a-f]{32}/g;

/**
 * A user id as logs may show it: a short one-way hash, the same for the same person, so two lines
 * about one member can still be matched, and nobody can read the id back (personal data).
 */
export const pseudonym = (userId: string) =>
  `U#${createHash('sha256').update(userId).digest('hex').slice(0, 12)}`;

/** Every user id in a text (an error from LINE names its URL) replaced by its pseudonym. */
export const redactUserIds = (text: string) => text.replace(USER_ID, pseudonym);

/** For Powertools' logger: runs on every value it serializes, messages and error texts included. */
export const userIdRedactingReplacer = (_key: string, value: unknown) =>
  typeof value === 'string' ? redactUserIds(value) : value;
