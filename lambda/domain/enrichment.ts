import type { ChatEvent } from './events';
import type { Group } from './group';

/**
 * Enrichment: the chat's name and size, read from LINE after the webhook was answered. A read that
 * fails is tried again with back-off until LINE answers, for up to a day, so every active chat
 * ends with its name and size, however slow or broken LINE was when it joined.
 */
export interface EnrichmentPolicy {
  /** First retry after this long; each further one waits twice as long. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Given up (and counted) this long after it was first asked for. */
  giveUpAfterMs: number;
}

export const defaultEnrichmentPolicy: EnrichmentPolicy = {
  retryBaseMs: 30_000,
  retryMaxDelayMs: 3_600_000,
  giveUpAfterMs: 86_400_000,
};

/** A (re)join or a first sight wants the name and size; members coming and going want the size. */
export function wantsEnrichment(before: Group | undefined, group: Group, events: ChatEvent[]): boolean {
  if (group.status !== 'active') return false;
  return (
    freshJoin(before, group) ||
    before === undefined ||
    events.some((e) => e.type === 'memberJoined' || e.type === 'memberLeft')
  );
}

const freshJoin = (before: Group | undefined, group: Group) =>
  group.joinedAt !== undefined && group.joinedAt !== before?.joinedAt;

/** Marks the read as owed now (keeping the back-off of one already owed). */
export function requestEnrichment(before: Group | undefined, group: Group, now: Date): Group {
  const at = now.toISOString();
  return {
    ...group,
    enrichment: 'due',
    enrichmentDueAt: group.enrichment === 'due' ? (group.enrichmentDueAt ?? at) : at,
    enrichmentSince: group.enrichment === 'due' ? (group.enrichmentSince ?? at) : at,
    enrichmentAttempts: group.enrichment === 'due' ? (group.enrichmentAttempts ?? 0) : 0,
    ...(freshJoin(before, group) && { enrichmentForJoinAt: group.joinedAt }),
  };
}

/** The read succeeded (or is moot: the chat is no longer active). */
export function enrichmentSettled(group: Group): Group {
  const {
    enrichment: _e,
    enrichmentDueAt: _d,
    enrichmentAttempts: _a,
    enrichmentSince: _s,
    enrichmentForJoinAt: _j,
    ...rest
  } = group;
  return rest;
}

/** After a failed read: the next try, doubling the wait, or `abandoned` a day after it was asked for. */
export function enrichmentFailed(
  group: Group,
  now: Date,
  policy: EnrichmentPolicy,
): { group: Group; abandoned: boolean } {
  const since = Date.parse(group.enrichmentSince ?? now.toISOString());
  if (now.getTime() - since >= policy.giveUpAfterMs)
    return { group: enrichmentSettled(group), abandoned: true };
  const attempts = (group.enrichmentAttempts ?? 0) + 1;
  const delay = Math.min(policy.retryBaseMs * 2 ** (attempts - 1), policy.retryMaxDelayMs);
  return {
    group: {
      ...group,
      enrichmentAttempts: attempts,
      enrichmentDueAt: new Date(now.getTime() + delay).toISOString(),
    },
    abandoned: false,
  };
}

/**
 * When LINE said "not a member": at the join that asked for the read, if nothing was heard from
 * the chat since (another official account was there first: an ejection); else now (we are not
 * in it any more).
 */
export function notMemberAt(group: Group, observedAt: string): string {
  const join = group.enrichmentForJoinAt;
  const quietSinceJoin = group.lastActivityAt === undefined || group.lastActivityAt <= (join ?? '');
  return join !== undefined && join === group.joinedAt && quietSinceJoin ? join : observedAt;
}
