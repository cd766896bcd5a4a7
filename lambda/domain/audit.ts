/**
 * The audit trail: who changed what, through the console or a CLI. Entries are only ever added;
 * nothing in the product updates or deletes one before it expires.
 */

/** Who acted: a signed-in person (the provider's subject and email), or `cli:<identity>`. */
export interface AuditActor {
  /** The identity provider's `sub`; `cli:<aws identity>` for a CLI; `console:local` without sign-in. */
  subject: string;
  email?: string;
}

/** The role the change was made with: a console role, the loopback console (`local`), or a CLI. */
export type AuditRole = 'viewer' | 'operator' | 'local' | 'cli';

export interface AuditEntry {
  /** ISO-8601 time of the change. */
  at: string;
  actor: AuditActor;
  role: AuditRole;
  /** `<capability>.<verb>`, e.g. `coupons.create`, `groups.leave`. */
  action: string;
  /** What was changed, e.g. `group:<groupId>`, `coupon:<couponId>`, `settings:templates`. */
  target: string;
  /** What was asked for, as short strings (never a LINE user's id or name). */
  details: Record<string, string>;
}

/** How long entries are kept (README states it): a year and a month covers a yearly review. */
export const AUDIT_RETENTION_DAYS = 400;

const MAX_DETAIL = 200;

/** Details as short strings: a form's fields or a command's flags, without what is not asked for. */
export function auditDetails(fields: Record<string, unknown>): Record<string, string> {
  const kept = Object.entries(fields).flatMap(([key, value]): [string, string][] => {
    if (value === undefined || value === null || value === '' || typeof value === 'object') return [];
    const text = String(value);
    return [[key, text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text]];
  });
  // fromEntries: a field named __proto__ is a field like any other.
  return Object.fromEntries(kept);
}

/** The month partitions (`YYYY-MM`, UTC) an entry between `since` and `until` can be in, newest first. */
export function auditMonths(since: Date, until: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), 1));
  const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1);
  while (cursor.getTime() >= first) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() - 1);
  }
  return months;
}

export class InvalidAuditEntryError extends Error {}

/** Refuses an entry the trail could not be read by: a bad time, no actor, no action. */
export function checkAuditEntry(entry: AuditEntry): AuditEntry {
  if (Number.isNaN(Date.parse(entry.at))) throw new InvalidAuditEntryError(`audit: bad time "${entry.at}"`);
  if (!entry.actor.subject) throw new InvalidAuditEntryError('audit: no actor');
  if (!/^[a-z-]+\.[a-z-]+$/.test(entry.action))
    throw new InvalidAuditEntryError(`audit: bad action "${entry.action}"`);
  if (!entry.target) throw new InvalidAuditEntryError('audit: no target');
  return entry;
}
