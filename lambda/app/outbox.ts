import { type ReplyPolicy, replyTokenExpired } from '../domain/coupon-policy';
import type { Group } from '../domain/group';
import { assertValidMessages } from '../domain/messages';
import { afterRemoval, type MassLeaveDeps } from './mass-leave';
import type { ChatCache } from './chat-cache';
import { syncChatReach } from './members/chat-reach';
import type { MemberCache } from './members/member-cache';
import type {
  ChatInfo,
  MemberStore,
  GroupRegistry,
  MetricName,
  Outbox,
  OutboxEntry,
  PendingReply,
  ReplySender,
  StatusReport,
} from './ports';

export interface OutboxDeps extends MassLeaveDeps {
  outbox: Outbox;
  registry: GroupRegistry;
  replies: ReplySender;
  replyPolicy: ReplyPolicy;
  /** Where each chat's reach follows its status, size and name. */
  members: Pick<MemberStore, 'reach' | 'putReach'>;
  /** What this process knows of chats and their reach (absent: nothing is kept). */
  chatCache?: ChatCache;
  memberCache?: Pick<MemberCache, 'setReach' | 'forgetReach'>;
}

export const OUTBOX_PREFIX = 'outbox#';
/**
 * How long a claim keeps others off an entry. Past it, the claimer is taken for dead and the next
 * retry (or the sweep) runs what is idempotent again.
 */
export const OUTBOX_LEASE_MS = 120_000;

const REPLY_METRIC = {
  welcome: 'welcomesSent',
  coupon: 'couponRepliesSent',
  memberWelcome: 'memberWelcomesSent',
  // Entries an earlier version wrote for clock commands (their replies no longer use the outbox).
  attendance: 'attendanceRepliesSent',
} as const satisfies Record<PendingReply['kind'], MetricName>;

/** The entry that follows a save (undefined when there is nothing to do after it). */
export function outboxEntry(
  groupId: string,
  firstEventKey: string,
  work: Pick<OutboxEntry, 'report' | 'bursts' | 'replies' | 'chat'>,
  now: Date,
): OutboxEntry | undefined {
  const { report, bursts, replies, chat } = work;
  if (!report && !bursts && !replies?.length && !chat) return undefined;
  return {
    groupId,
    entryKey: `${OUTBOX_PREFIX}${firstEventKey}`,
    createdAt: now.toISOString(),
    ...(report && { report }),
    ...(bursts && { bursts }),
    ...(replies?.length && { replies }),
    ...(chat && { chat }),
  };
}

/** The chat's status, size and name after a save, when one of them changed (its reach follows). */
export function chatInfo(before: Group | undefined, group: Group, version: number): ChatInfo | undefined {
  if (
    before &&
    before.status === group.status &&
    before.memberCount === group.memberCount &&
    before.groupName === group.groupName
  )
    return undefined;
  return {
    groupId: group.groupId,
    status: group.status,
    version,
    ...(group.memberCount !== undefined && { memberCount: group.memberCount }),
    ...(group.groupName !== undefined && { groupName: group.groupName }),
  };
}

/** A status change a save made, to count and announce; undefined when the status stayed. */
export function statusReport(before: Group | undefined, group: Group): StatusReport | undefined {
  if (before?.status === group.status) return undefined;
  return {
    groupId: group.groupId,
    chatType: group.chatType,
    status: group.status,
    previousStatus: before?.status ?? null,
    leaveReason: group.leaveReason ?? null,
  };
}

/**
 * Does an entry's work, if this process can claim it: on the first claim the metrics, the warning
 * and the replies; on every claim the mass-leave check (idempotent); then the entry is done.
 * Never rejects: what fails stays pending for a retry of the same events or the sweep.
 */
export async function runOutboxEntry(entry: OutboxEntry, deps: OutboxDeps): Promise<void> {
  try {
    const claim = await deps.outbox.claim(entry, deps.clock.now(), OUTBOX_LEASE_MS);
    if (claim === undefined) return;
    if (claim === 1) {
      if (entry.report) announce(entry.report, deps);
      await Promise.all((entry.replies ?? []).map((reply) => sendReply(reply, entry.groupId, deps)));
    } else {
      // Whoever claimed it before died after the commit: replies and metrics are not repeated.
      deps.telemetry.count('outboxRetried');
    }
    if (entry.bursts) await afterRemoval(entry.groupId, entry.bursts, deps);
    if (entry.chat) await syncChatReach(entry.chat, deps);
    await deps.outbox.done(entry);
  } catch (error) {
    deps.log.error('work after a commit failed; a retry or the sweep finishes it', {
      groupId: entry.groupId,
      entryKey: entry.entryKey,
      error: (error as Error).message,
    });
  }
}

/** A chat's entries not done yet: what a process that died after a commit left behind. */
export async function runPendingOutbox(groupId: string, deps: OutboxDeps): Promise<void> {
  const entries = await deps.outbox.pendingFor(groupId);
  await Promise.all(entries.map((entry) => runOutboxEntry(entry, deps)));
}

/** The sweep: entries older than a lease (their process died and no retry came). */
export async function sweepOutbox(deps: OutboxDeps, limit = 100): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - OUTBOX_LEASE_MS);
  const entries = await deps.outbox.due(before, limit);
  await Promise.all(entries.map((entry) => runOutboxEntry(entry, deps)));
  return entries.length;
}

/** Metrics and the operator-facing warning, once per status change. */
export function announce(report: StatusReport, deps: Pick<OutboxDeps, 'log' | 'telemetry'>): void {
  const context = { ...report };
  switch (report.status) {
    case 'active':
      deps.telemetry.count('groupsJoined');
      deps.log.info('group active', context);
      break;
    case 'left':
      deps.telemetry.count('groupsLeft');
      deps.log.info('group left', context);
      break;
    case 'ejected':
      deps.telemetry.count('groupsEjected');
      // LINE tells nobody when it removes us for a second official account; this line is the alarm.
      deps.log.warn(`group ejected: ${report.groupId} (${report.leaveReason})`, context);
      break;
  }
}

/**
 * Sends one reply with its event's token. One that cannot arrive (the token too old by now, or
 * LINE refusing it) is noted on its record and gives back the cool-down it started, so the next
 * keyword is answered; it is never retried (reply tokens are single-use).
 */
async function sendReply(reply: PendingReply, groupId: string, deps: OutboxDeps): Promise<void> {
  if (replyTokenExpired({ at: reply.eventAt }, deps.clock.now(), deps.replyPolicy)) {
    deps.telemetry.count('repliesExpired');
    deps.log.info(`${reply.kind} reply not sent: its token expired`, { groupId });
    await deps.registry.replyMissed(groupId, reply, 'expired');
    return;
  }
  try {
    assertValidMessages(reply.messages, `${reply.kind} reply`);
    await deps.replies.reply(reply.replyToken, reply.messages);
    deps.telemetry.count(REPLY_METRIC[reply.kind]);
    deps.log.info(`${reply.kind} reply sent`, { groupId, couponId: reply.couponId ?? null });
  } catch (error) {
    deps.telemetry.count('repliesFailed');
    deps.log.error(`${reply.kind} reply failed`, { groupId, error: (error as Error).message });
    await deps.registry.replyMissed(groupId, reply, 'failed');
  }
}
