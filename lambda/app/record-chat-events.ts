import {
  asksForAnswer,
  decideReply,
  mayReply,
  type Offers,
  type Reply,
  type ReplyPolicy,
} from '../domain/coupon-policy';
import { requestEnrichment, wantsEnrichment } from '../domain/enrichment';
import type { ChatEvent } from '../domain/events';
import type { Group } from '../domain/group';
import { applyEvent, decide, type LifecyclePolicy } from '../domain/lifecycle';
import { assertValidMessages } from '../domain/messages';
import { ConcurrentUpdateError, DuplicateEventsError } from './errors';
import { afterRemoval, burstsFor, type MassLeaveDeps } from './mass-leave';
import type {
  Clock,
  GroupEventRecord,
  GroupRegistry,
  Log,
  MetricName,
  OffersSource,
  ReplySender,
  StoredGroup,
  Telemetry,
} from './ports';

export interface RecordChatEventsDeps extends MassLeaveDeps {
  registry: GroupRegistry;
  offers: OffersSource;
  replies: ReplySender;
  policy: LifecyclePolicy;
  replyPolicy: ReplyPolicy;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
  /** Events per transaction; DynamoDB caps a transaction at 100 items. */
  maxEventsPerSave: number;
}

export interface Recorded {
  /** Settles once every reply was sent or failed (logged and counted); never rejects. */
  replies: Promise<void>;
  /** Chats that now owe a read of their name and size from LINE. */
  toEnrich: string[];
}

const MAX_ATTEMPTS = 8;

const REPLY_METRIC = {
  welcome: 'welcomesSent',
  coupon: 'couponRepliesSent',
  memberWelcome: 'memberWelcomesSent',
} as const satisfies Record<Reply['kind'], MetricName>;

/** Time-ordered, with the event id breaking ties, so decisions read in the order things happened. */
const byTime = (a: ChatEvent, b: ChatEvent) =>
  a.at === b.at ? (a.webhookEventId < b.webhookEventId ? -1 : 1) : a.at < b.at ? -1 : 1;

/**
 * Records chat events in the group registry, each exactly once, after the webhook was answered.
 * Chats are independent and run in parallel. A chat's routine activity only moves
 * `lastActivityAt` (one conditional write); anything else is applied in one transaction with an
 * event record each, which is what makes a redelivery change nothing and answer nothing.
 */
export async function recordChatEvents(events: ChatEvent[], deps: RecordChatEventsDeps): Promise<Recorded> {
  const byChat = new Map<string, ChatEvent[]>();
  const seen = new Set<string>();
  for (const event of events) {
    // The same event twice in one batch would be two writes of one item in one transaction.
    if (seen.has(event.webhookEventId)) continue;
    seen.add(event.webhookEventId);
    byChat.set(event.groupId, [...(byChat.get(event.groupId) ?? []), event]);
  }
  // Offers are read (cached) only when some event could be answered.
  const offers = events.some(mayReply) ? await deps.offers.current() : undefined;
  const replies: Promise<void>[] = [];
  const toEnrich: string[] = [];
  await Promise.all(
    [...byChat.entries()].map(async ([groupId, chatEvents]) => {
      const sorted = [...chatEvents].sort(byTime);
      let preloaded: { stored: StoredGroup | undefined } | undefined;
      const [earliest, latest] = [sorted[0], sorted.at(-1)];
      if (earliest && latest && sorted.every((e) => isRoutineCandidate(e, offers))) {
        // The rule must hold for the earliest event: one before what the chat has seen, or inside
        // the ejection window, moves more than lastActivityAt and is recorded.
        const touched = await deps.registry.touchActivity(
          groupId,
          { earliest: earliest.at, latest: latest.at },
          deps.policy.ejectionWindowMs,
        );
        if (touched.applied) {
          deps.telemetry.count('activityTouched', sorted.length);
          return;
        }
        preloaded = { stored: touched.stored };
      }
      for (let i = 0; i < sorted.length; i += deps.maxEventsPerSave) {
        const outcome = await recordForChat(
          sorted.slice(i, i + deps.maxEventsPerSave),
          offers,
          deps,
          i === 0 ? preloaded : undefined,
        );
        replies.push(outcome.replies);
        if (outcome.enrich && !toEnrich.includes(groupId)) toEnrich.push(groupId);
      }
    }),
  );
  return { replies: Promise.all(replies).then(() => undefined), toEnrich };
}

/** Message or postback in active mode that asks for no answer: may take the routine path. */
const isRoutineCandidate = (event: ChatEvent, offers: Offers | undefined) =>
  (event.type === 'message' || event.type === 'postback') &&
  event.mode === 'active' &&
  !asksForAnswer(event, offers);

async function recordForChat(
  events: ChatEvent[],
  offers: Offers | undefined,
  deps: RecordChatEventsDeps,
  /** The chat as already read; only the first attempt may use it. */
  preloaded?: { stored: StoredGroup | undefined },
): Promise<{ replies: Promise<void>; enrich: boolean }> {
  let pending = events;
  for (let attempt = 1; pending[0]; attempt++) {
    const stored =
      attempt === 1 && preloaded ? preloaded.stored : await deps.registry.load(pending[0].groupId);
    const before = stored?.group;
    const records: GroupEventRecord[] = [];
    const replies: Reply[] = [];
    let group = applyEvents(before, pending, records, replies, offers, deps);
    const enrich = wantsEnrichment(before, group, pending);
    if (enrich) group = requestEnrichment(before, group, deps.clock.now());
    const bursts = await burstsFor(before, group, deps);
    try {
      await deps.registry.save(group, stored?.version, records, { ...statusChange(before, group), bursts });
      report(before, group, records, deps);
      if (bursts) await afterRemoval(group, bursts, deps);
      // Only after the save: a redelivery is refused as a duplicate, so no reply is ever sent twice.
      return {
        replies: Promise.all(replies.map((reply) => sendReply(reply, group.groupId, deps))).then(
          () => undefined,
        ),
        enrich,
      };
    } catch (error) {
      if (error instanceof DuplicateEventsError) {
        deps.telemetry.count('eventsDuplicate', error.webhookEventIds.length);
        deps.log.info('events already recorded; skipped', { webhookEventIds: error.webhookEventIds });
        pending = pending.filter((e) => !error.webhookEventIds.includes(e.webhookEventId));
      } else if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) {
        throw error;
      }
      // Another writer (an operator, the enricher) changed the chat: jittered back-off, then load again.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
  return { replies: Promise.resolve(), enrich: false };
}

/** Best effort: a failed reply is logged and counted, never retried (reply tokens are single-use). */
async function sendReply(reply: Reply, groupId: string, deps: RecordChatEventsDeps): Promise<void> {
  try {
    assertValidMessages(reply.messages, `${reply.kind} reply`);
    await deps.replies.reply(reply.replyToken, reply.messages);
    deps.telemetry.count(REPLY_METRIC[reply.kind]);
    deps.log.info(`${reply.kind} reply sent`, { groupId, couponId: reply.coupon?.couponId ?? null });
  } catch (error) {
    deps.telemetry.count('repliesFailed');
    deps.log.error(`${reply.kind} reply failed`, { groupId, error: (error as Error).message });
  }
}

/** Folds the events into the chat, noting for each what it did. `events` is never empty. */
function applyEvents(
  before: Group | undefined,
  events: ChatEvent[],
  records: GroupEventRecord[],
  replies: Reply[],
  offers: Offers | undefined,
  deps: RecordChatEventsDeps,
): Group {
  return events.reduce<Group | undefined>((group, event) => {
    let next = applyEvent(group, event, deps.policy);
    const decision = decide(group, next, event);
    let reply: Reply | undefined;
    if (offers) ({ group: next, reply } = decideReply(next, event, decision, offers, deps.replyPolicy));
    if (reply) replies.push(reply);
    records.push({ ...toRecord(event, decision, next, deps.clock), ...(reply && { reply: reply.kind }) });
    return next;
  }, before) as Group;
}

function toRecord(event: ChatEvent, decision: GroupEventRecord['decision'], group: Group, clock: Clock) {
  return {
    groupId: event.groupId,
    eventKey: `${event.at}#${event.webhookEventId}`,
    webhookEventId: event.webhookEventId,
    eventType: event.type,
    eventAt: event.at,
    isRedelivery: event.isRedelivery,
    mode: event.mode,
    decision,
    status: group.status,
    ...(group.leaveReason && { leaveReason: group.leaveReason }),
    recordedAt: clock.now().toISOString(),
  } satisfies GroupEventRecord;
}

/** The status a save moves the chat from, for the registry's counts. */
export const statusChange = (before: Group | undefined, group: Group) =>
  before?.status === group.status
    ? {}
    : { previous: before ? { status: before.status, statusChangedAt: before.statusChangedAt } : null };

/** Metrics and the operator-facing warning, once per status change that a save made. */
export function report(
  before: Group | undefined,
  group: Group,
  records: GroupEventRecord[],
  deps: Pick<RecordChatEventsDeps, 'log' | 'telemetry'>,
) {
  if (records.length > 0) deps.telemetry.count('eventsRecorded', records.length);
  if (before?.status === group.status) return;
  const context = {
    groupId: group.groupId,
    chatType: group.chatType,
    status: group.status,
    previousStatus: before?.status ?? null,
    leaveReason: group.leaveReason ?? null,
  };
  switch (group.status) {
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
      deps.log.warn(`group ejected: ${group.groupId} (${group.leaveReason})`, context);
      break;
  }
}
