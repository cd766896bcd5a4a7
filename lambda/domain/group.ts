import type { CountedDeparture } from './departures';

/** The vocabulary of the group registry: the same names are table attributes, logs, metrics and docs. */

/** `group` is a group chat; `room` is a multi-person chat (can no longer be created, old ones live on). */
export type ChatType = 'group' | 'room';

export type GroupStatus = 'active' | 'left' | 'ejected';

export type LeaveReason =
  /** A member removed the OA (or it left for a reason we cannot tell from LINE's leave event). */
  | 'removed'
  /** LINE removed the OA because another official account was already in the chat. */
  | 'second_official_account'
  /** Our operators asked LINE to make the OA leave. */
  | 'left_by_operator'
  /** A later LINE API call answered that the OA is not a member any more, without a leave event. */
  | 'not_a_member'
  /** The OA left most of its chats at once: its setting to join chats was turned off. */
  | 'mass_leave';

/**
 * One chat in the groups table. Timestamps are ISO-8601 UTC strings, so they sort as text.
 *
 * The first block is facts (each the latest or earliest of what we saw, so they do not depend on
 * the order webhooks arrive in); `status`, `statusChangedAt` and `leaveReason` are derived from
 * them by `deriveStatus`.
 */
export interface Group {
  groupId: string;
  chatType: ChatType;
  /** Earliest event of this chat we saw. */
  firstSeenAt: string;
  /** Latest `join` event. */
  joinedAt?: string;
  /** Latest `leave` event. */
  leftAt?: string;
  /** Number of distinct `join` events (re-invitations count). */
  joinCount: number;
  /** Latest message, postback, memberJoined or memberLeft. */
  lastActivityAt?: string;
  /** When LINE's API answered that the OA is not a member (equals `joinedAt` when seen at join). */
  notMemberAt?: string;
  /** When an operator asked LINE to make the OA leave. */
  leaveRequestedAt?: string;
  /** The leave (its `leftAt`) that was part of a mass leave, and which one (`burstId`). */
  massLeaveAt?: string;
  massLeaveBurst?: string;

  groupName?: string;
  pictureUrl?: string;
  memberCount?: number;
  /** When `groupName`/`pictureUrl` were read from LINE, so an older read never overwrites a newer one. */
  summaryObservedAt?: string;
  memberCountObservedAt?: string;

  /** The leave the current status rests on, and how the chart counts it. */
  departureCounted?: CountedDeparture;

  /** Event time of the last keyword that was answered with a coupon (the cool-down). */
  lastCouponReplyAt?: string;
  /** Event time of the last memberJoined answered with the welcome card (its cool-down). */
  lastMemberWelcomeAt?: string;

  /**
   * LINE's group summary and member count are read after the webhook is answered; while a read is
   * owed (`enrichment: 'due'`) the group sits in the byEnrichmentDue index until LINE answers.
   */
  enrichment?: 'due';
  enrichmentDueAt?: string;
  /** Failed reads so far, for the back-off. */
  enrichmentAttempts?: number;
  /** When the owed read was first asked for: we give up a day after. */
  enrichmentSince?: string;
  /** The join that asked for it: LINE answering "not a member" to it means we were ejected at that join. */
  enrichmentForJoinAt?: string;

  status: GroupStatus;
  statusChangedAt: string;
  /** Set while `status` is `left` or `ejected`. */
  leaveReason?: LeaveReason;
}

/** What a status change is, on the overview's chart. */
export const CHANGE_KIND: Record<GroupStatus, 'joins' | 'leaves' | 'ejections'> = {
  active: 'joins',
  left: 'leaves',
  ejected: 'ejections',
};

/** The day (YYYY-MM-DD) of an ISO time in Japan (UTC+9 all year), where operators read the chart. */
export const japanDay = (iso: string) => new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().slice(0, 10);
