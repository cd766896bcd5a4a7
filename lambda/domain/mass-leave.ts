import type { Group } from './group';

/**
 * Mass leave: turning off the OA's setting 「グループ・複数人トークへの参加を許可する」 makes it leave
 * every chat at once, and only members inviting it again bring it back. One act, not many
 * removals, so operators can tell an accident in the settings from members removing the OA.
 */
export interface MassLeavePolicy {
  /** At least this many chats... */
  minGroups: number;
  /** ...leaving within this long of each other (event time)... */
  windowMs: number;
  /** ...which are at least this share of the chats active when the first of them left. */
  minShare: number;
}

export const defaultMassLeavePolicy: MassLeavePolicy = { minGroups: 3, windowMs: 600_000, minShare: 0.8 };

/** A span of event time in which leaves are counted together (the registry-stats table's item). */
export interface LeaveBurst {
  burstId: string;
  windowStart: string;
  windowEnd: string;
  /** Removals counted in the span. */
  leaves: number;
  /** Active chats when the first of them was counted (that chat included). */
  activeAtStart: number;
  /** Set once, by whoever first saw the rule hold. */
  massLeaveAt?: string;
  /**
   * Spans overlap, so one act can make two neighbouring spans hold (the later one counted from
   * fewer active chats): the span marked while neither neighbour was starts the act and is the
   * one announced; a neighbour marked later joins it.
   */
  startsAct?: boolean;
  /** The act was counted and warned about (once). */
  announcedAt?: string;
  /** Every chat of the span was re-marked `mass_leave`. */
  reclassifiedAt?: string;
}

/** The spans either side of a span (they overlap it by one window): the same act if marked too. */
export function neighboursOf(burst: Pick<LeaveBurst, 'windowStart' | 'windowEnd'>): [string, string] {
  const step = (Date.parse(burst.windowEnd) - Date.parse(burst.windowStart)) / 2;
  const id = (shift: number) => `leaveBurst#${new Date(Date.parse(burst.windowStart) + shift).toISOString()}`;
  return [id(-step), id(step)];
}

/**
 * The two spans a leave counts in. Spans are twice the window long and start every window, so
 * any leaves within one window of each other share a span, whatever the clock says:
 *
 *   span k   : [ (k-1)W , (k+1)W )      a leave at t counts in span floor(t/W) and floor(t/W)+1
 *   ──┬──────┬──────┬──────┬──
 *     │ span k      │
 *            │ span k+1    │
 */
export function burstsOf(
  leftAt: string,
  policy: MassLeavePolicy,
): Pick<LeaveBurst, 'burstId' | 'windowStart' | 'windowEnd'>[] {
  const k = Math.floor(Date.parse(leftAt) / policy.windowMs);
  return [k, k + 1].map((span) => {
    const windowStart = new Date((span - 1) * policy.windowMs).toISOString();
    return {
      burstId: `leaveBurst#${windowStart}`,
      windowStart,
      windowEnd: new Date((span + 1) * policy.windowMs).toISOString(),
    };
  });
}

/** Only a removal counts: not an ejection (a quick leave after a join), not an operator's leave. */
export const countsTowardBurst = (before: Group | undefined, after: Group): boolean =>
  before?.status === 'active' && after.status === 'left' && after.leaveReason === 'removed';

export const isMassLeave = (burst: Pick<LeaveBurst, 'leaves' | 'activeAtStart'>, policy: MassLeavePolicy) =>
  burst.leaves >= policy.minGroups && burst.leaves >= policy.minShare * burst.activeAtStart;
