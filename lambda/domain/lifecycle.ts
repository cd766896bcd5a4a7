import type { ChatEvent, Observation } from './events';
import type { Group, GroupStatus, LeaveReason } from './group';

export interface LifecyclePolicy {
  /**
   * A leave this soon after a join, with no member activity in between, is LINE removing us
   * because another official account is already in the chat (LINE announces it to nobody).
   */
  ejectionWindowMs: number;
}

export const defaultLifecyclePolicy: LifecyclePolicy = { ejectionWindowMs: 60_000 };

/**
 * An operator's leave request explains a leave that LINE timestamps within this span of it. LINE
 * sends the leave webhook as soon as it acts, so a leave much later is someone else's doing (or
 * LINE refused the request); the request time is our clock and the leave time LINE's, so a leave
 * stamped a little before the request still counts.
 *
 *   leaveRequestedAt - OPERATOR_LEAVE_SKEW_MS <= leftAt <= leaveRequestedAt + OPERATOR_LEAVE_VALID_MS
 */
export const OPERATOR_LEAVE_SKEW_MS = 30_000;
export const OPERATOR_LEAVE_VALID_MS = 5 * 60_000;

/** What an event did to its chat, kept in the group events table to answer "why is it marked so?". */
export type Decision = 'activated' | 'left' | 'ejected' | 'activity' | 'stale' | 'unchanged';

const latest = (a: string | undefined, b: string | undefined) =>
  a === undefined || (b !== undefined && b > a) ? b : a;
const earliest = (a: string, b: string) => (b < a ? b : a);
const after = (a: string | undefined, b: string | undefined) => a !== undefined && (b === undefined || a > b);

/**
 * Applies one webhook event to a chat. Every fact is a maximum, a minimum or a count of distinct
 * events, so any order of the same events ends in the same chat (exactly-once is the caller's job:
 * the group events table).
 */
export function applyEvent(group: Group | undefined, event: ChatEvent, policy: LifecyclePolicy): Group {
  const facts: Group = group
    ? { ...group, firstSeenAt: earliest(group.firstSeenAt, event.at) }
    : {
        groupId: event.groupId,
        chatType: event.chatType,
        firstSeenAt: event.at,
        joinCount: 0,
        status: 'active',
        statusChangedAt: event.at,
      };
  switch (event.type) {
    case 'join':
      facts.joinedAt = latest(facts.joinedAt, event.at);
      facts.joinCount += 1;
      break;
    case 'leave':
      facts.leftAt = latest(facts.leftAt, event.at);
      break;
    default:
      facts.lastActivityAt = latest(facts.lastActivityAt, event.at);
  }
  return deriveStatus(facts, policy);
}

/** Applies what LINE's API answered; an older reading never replaces a newer one. */
export function applyObservation(group: Group, observation: Observation, policy: LifecyclePolicy): Group {
  const next = { ...group };
  switch (observation.type) {
    case 'summary':
      if (!after(next.summaryObservedAt, observation.at)) {
        next.groupName = observation.groupName;
        next.pictureUrl = observation.pictureUrl;
        next.summaryObservedAt = observation.at;
      }
      break;
    case 'memberCount':
      if (!after(next.memberCountObservedAt, observation.at)) {
        next.memberCount = observation.memberCount;
        next.memberCountObservedAt = observation.at;
      }
      break;
    case 'notMember':
      next.notMemberAt = latest(next.notMemberAt, observation.at);
      break;
  }
  return deriveStatus(next, policy);
}

/** Records that an operator asked LINE to make the OA leave, so the coming leave is not misread. */
export function requestLeave(group: Group, at: string, policy: LifecyclePolicy): Group {
  return deriveStatus({ ...group, leaveRequestedAt: latest(group.leaveRequestedAt, at) }, policy);
}

/** LINE refused the operator's leave request made at `at`: it explains no leave. */
export function withdrawLeaveRequest(group: Group, at: string, policy: LifecyclePolicy): Group {
  if (group.leaveRequestedAt !== at) return group;
  const { leaveRequestedAt: _withdrawn, ...rest } = group;
  return deriveStatus(rest, policy);
}

const ms = (iso: string) => Date.parse(iso);

/** Whether this leave is the one an operator asked for (see OPERATOR_LEAVE_VALID_MS). */
const askedByOperator = (facts: Group, leftAt: string) => {
  const { leaveRequestedAt, joinedAt } = facts;
  if (leaveRequestedAt === undefined || after(joinedAt, leaveRequestedAt)) return false;
  const delay = ms(leftAt) - ms(leaveRequestedAt);
  return delay >= -OPERATOR_LEAVE_SKEW_MS && delay <= OPERATOR_LEAVE_VALID_MS;
};

/**
 * status, statusChangedAt and leaveReason from the facts. LINE's timestamps are milliseconds and
 * one webhook can carry a join (or a message) and a leave of the same millisecond: the leave wins.
 *
 *   join ──(≤ window, no activity)──▶ leave   : ejected / second_official_account
 *   join ── lookup says "not a member"        : ejected / second_official_account
 *   join ── activity ──▶ leave                : left / removed
 *   ... that leave part of a mass leave       : left / mass_leave
 *   join ── operator asks ──▶ leave           : left / left_by_operator
 *   join ── activity ── later call 404/403    : left / not_a_member
 */
export function deriveStatus(facts: Group, policy: LifecyclePolicy): Group {
  const { joinedAt, leftAt, lastActivityAt, notMemberAt } = facts;
  const presentAt = latest(joinedAt, lastActivityAt);
  // Any event LINE delivers from the chat (memberLeft included) proves we were in it then.
  const activitySinceJoin = joinedAt !== undefined && after(lastActivityAt, joinedAt);
  const refusedAtJoin = joinedAt !== undefined && notMemberAt === joinedAt && !activitySinceJoin;

  const outcome = (status: GroupStatus, statusChangedAt: string, leaveReason?: LeaveReason): Group => {
    const next: Group = { ...facts, status, statusChangedAt };
    if (leaveReason) next.leaveReason = leaveReason;
    else delete next.leaveReason;
    return next;
  };

  if (leftAt !== undefined && !after(presentAt, leftAt)) {
    if (askedByOperator(facts, leftAt)) return outcome('left', leftAt, 'left_by_operator');
    const quickLeave = joinedAt !== undefined && ms(leftAt) - ms(joinedAt) <= policy.ejectionWindowMs;
    if ((quickLeave && !activitySinceJoin) || refusedAtJoin) {
      return outcome('ejected', leftAt, 'second_official_account');
    }
    return outcome('left', leftAt, facts.massLeaveAt === leftAt ? 'mass_leave' : 'removed');
  }
  if (refusedAtJoin && joinedAt !== undefined) return outcome('ejected', joinedAt, 'second_official_account');
  if (notMemberAt !== undefined && after(notMemberAt, presentAt))
    return outcome('left', notMemberAt, 'not_a_member');

  // Active since the latest join; a chat we only know from activity is active since we first saw it
  // (or, if its join was lost after a leave, since its latest activity).
  const activeSince =
    joinedAt !== undefined && after(joinedAt, leftAt)
      ? joinedAt
      : leftAt === undefined && notMemberAt === undefined
        ? facts.firstSeenAt
        : (presentAt ?? facts.firstSeenAt);
  return outcome('active', activeSince);
}

/** Marks a removal as part of a mass leave (the burst that showed it). */
export function markMassLeave(group: Group, burstId: string, policy: LifecyclePolicy): Group {
  if (group.leftAt === undefined) return group;
  return deriveStatus({ ...group, massLeaveAt: group.leftAt, massLeaveBurst: burstId }, policy);
}

/**
 * Whether activity at `at` (and anything later) can only move the chat's `lastActivityAt`: the
 * chat is active, and its latest join (or, never joined, its first sight) is more than the
 * ejection window before, so no leave can be read differently because of it and no earlier fact
 * (`firstSeenAt`, `statusChangedAt`) can move. Such an event needs no transaction and no event
 * record: the maximum is idempotent by itself. For several events, `at` is the earliest of them.
 * The groups table adapter enforces the same rule as a DynamoDB condition (`routineActivity` in
 * group-registry.ts); a test keeps them equal.
 *
 *   status active, joinedAt <= at - window, no leave since the join      -> routine
 *   status active, never joined, never left, firstSeenAt <= at - window  -> routine
 *   anything else (a join, a leave, inside the window, earlier than seen) -> full path
 */
export function isRoutineActivity(group: Group, at: string, policy: LifecyclePolicy): boolean {
  if (group.status !== 'active') return false;
  const windowStart = new Date(ms(at) - policy.ejectionWindowMs).toISOString();
  if (group.joinedAt !== undefined) {
    return group.joinedAt <= windowStart && after(group.joinedAt, group.leftAt);
  }
  return group.leftAt === undefined && group.notMemberAt === undefined && group.firstSeenAt <= windowStart;
}

/** Names what one event did, for the group events table and the logs. */
export function decide(before: Group | undefined, afterEvent: Group, event: ChatEvent): Decision {
  if (before?.status !== afterEvent.status || before.statusChangedAt !== afterEvent.statusChangedAt) {
    return afterEvent.status === 'active' ? 'activated' : afterEvent.status;
  }
  if (event.type === 'join' || event.type === 'leave') {
    const known = event.type === 'join' ? before.joinedAt : before.leftAt;
    return after(known, event.at) ? 'stale' : 'unchanged';
  }
  return 'activity';
}
