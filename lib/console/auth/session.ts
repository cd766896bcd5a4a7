import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ConsoleRole } from './roles';

/** Who is signed in, as kept in the session cookie. */
export interface Session {
  /** The provider's `sub`. */
  subject: string;
  email?: string;
  /** Undefined: signed in, but with neither role (every page answers 403). */
  role?: ConsoleRole;
  /** When the person signed in, and was last seen (ms since the epoch). */
  signedInAt: number;
  seenAt: number;
  /** For the provider's end_session_endpoint. */
  idToken?: string;
}

/** While signing in: what the callback checks the provider's answer against. */
export interface SignInAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The page to go back to. */
  returnTo: string;
  startedAt: number;
}

/** At most 8 hours without a request; a role taken away takes effect within 12 hours at the latest. */
export const SESSION_IDLE_MS = 8 * 3_600_000;
export const SESSION_MAX_MS = 12 * 3_600_000;
/** A sign-in not finished within 10 minutes starts again. */
export const SIGN_IN_MS = 10 * 60_000;

/**
 * Seals a value into a cookie: AES-256-GCM, so it is both secret and tamper-evident (the tag fails
 * on any change). The cookie's name is bound in as associated data: one cookie cannot stand in
 * for another.
 */
export function seal(key: Buffer, name: string, value: object): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

/** The sealed value, or undefined for anything tampered with, truncated, or sealed with another key. */
export function unseal<T>(key: Buffer, name: string, sealed: string | undefined): T | undefined {
  const parts = sealed?.split('.');
  if (parts?.length !== 3) return undefined;
  try {
    const [iv, body, tag] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== 12 || tag.length !== 16) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A session still good at `now`: seen within the idle time, and not older than the maximum. */
export function isLive(session: Session, now: number): boolean {
  return (
    typeof session.subject === 'string' &&
    now - session.seenAt <= SESSION_IDLE_MS &&
    now - session.signedInAt <= SESSION_MAX_MS &&
    session.seenAt <= now + 60_000
  );
}
