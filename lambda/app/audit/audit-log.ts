import {
  type AuditActor,
  type AuditEntry,
  type AuditRole,
  auditDetails,
  checkAuditEntry,
} from '../../domain/audit';

/** Where the trail is kept (the audit table). Only adds and reads: there is no update or delete. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Entries at or after `since`, newest first, at most `limit`. */
  since(since: Date, now: Date, limit: number): Promise<AuditEntry[]>;
}

/** Who is making changes in this process or request, and with which role. */
export interface Auditor {
  actor: AuditActor;
  role: AuditRole;
}

/** Records one change made by `by`. */
export async function audit(
  log: AuditLog,
  by: Auditor,
  change: { action: string; target: string; details?: Record<string, unknown> },
  now: Date,
): Promise<void> {
  await log.record(
    checkAuditEntry({
      at: now.toISOString(),
      actor: by.actor,
      role: by.role,
      action: change.action,
      target: change.target,
      details: auditDetails(change.details ?? {}),
    }),
  );
}

export const DEFAULT_AUDIT_LIMIT = 500;

export function listAudit(
  log: AuditLog,
  options: { since: Date; now: Date; limit?: number },
): Promise<AuditEntry[]> {
  return log.since(options.since, options.now, options.limit ?? DEFAULT_AUDIT_LIMIT);
}
