import { type Group, japanDay } from './group';
import type { LifecyclePolicy } from './lifecycle';

/** How a leave counts on the overview's chart. */
export type DepartureKind = 'leaves' | 'ejections';

/** One day's change of the chart's counters (Japan time, where operators read it). */
export interface DayCountChange {
  day: string;
  kind: 'joins' | DepartureKind;
  delta: number;
}

/** The leave a chat's current status rests on, and how it was counted. */
export interface CountedDeparture {
  eventKey: string;
  at: string;
  kind: DepartureKind;
}

/** What a recorded event says, for classifying a past leave. */
export interface RecordedFact {
  eventType: string;
  eventAt: string;
}

const ACTIVITY = new Set(['message', 'postback', 'memberJoined', 'memberLeft']);

/**
 * The leave the chat's status rests on, when it rests on one: left or ejected at the time of its
 * latest leave. (Left because LINE said "not a member", with no leave event, is no leave.)
 */
export function currentDeparture(group: Group | undefined): { at: string; kind: DepartureKind } | undefined {
  if (!group || group.status === 'active' || group.leftAt === undefined) return undefined;
  if (group.statusChangedAt !== group.leftAt) return undefined;
  return { at: group.leftAt, kind: group.status === 'ejected' ? 'ejections' : 'leaves' };
}

/**
 * How a leave that no longer decides the chat's status counts, from the events recorded around
 * it: an ejection when the latest join before it is within the window with no activity between.
 * The registry records every event inside an ejection window (only activity past it is routine
 * and unrecorded), so the records hold all this needs, whatever order they arrived in.
 *
 *   join ──(≤ window, no recorded activity)──▶ leave   : ejections
 *   anything else                                      : leaves
 */
export function classifyPastLeave(
  leaveAt: string,
  records: RecordedFact[],
  policy: LifecyclePolicy,
): DepartureKind {
  const windowStart = new Date(Date.parse(leaveAt) - policy.ejectionWindowMs).toISOString();
  const join = records
    .filter((r) => r.eventType === 'join' && r.eventAt >= windowStart && r.eventAt <= leaveAt)
    .reduce<string | undefined>(
      (latest, r) => (latest === undefined || r.eventAt > latest ? r.eventAt : latest),
      undefined,
    );
  if (join === undefined) return 'leaves';
  // A message of the same millisecond as the leave proves we were in (the leave wins the tie).
  const active = records.some((r) => ACTIVITY.has(r.eventType) && r.eventAt > join && r.eventAt <= leaveAt);
  return active ? 'leaves' : 'ejections';
}

/** The day a time counts on. */
export const countDay = japanDay;
