import { asksForAnswer, decideReply, mayReply, type Offers, type ReplyPolicy } from '../domain/coupon-policy';
import { requestEnrichment, wantsEnrichment } from '../domain/enrichment';
import type { ChatEvent } from '../domain/events';
import type { Group } from '../domain/group';
import { applyEvent, decide, isRoutineActivity, type LifecyclePolicy } from '../domain/lifecycle';
import type { ChatCache } from './chat-cache';
import { dayCounts } from './day-counts';
import { ConcurrentUpdateError, DuplicateEventsError } from './errors';
import { burstsFor, type MassLeaveDeps } from './mass-leave';
import {
  chatInfo,
  outboxEntry,
  type OutboxDeps,
  runOutboxEntry,
  runPendingOutbox,
  statusReport,
} from './outbox';
import type {
  Clock,
  GroupEventRecord,
  GroupRegistry,
  Log,
  OffersSource,
  PendingReply,
  ReplySender,
  StoredGroup,
  Telemetry,
} from './ports';

export interface RecordChatEventsDeps extends MassLeaveDeps, OutboxDeps {
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
  /** Chats as this process last saved them (absent: every chat is read). */
  chatCache?: ChatCache;
}

export interface Recorded {
  /** Settles once the work after each commit (replies, announcements, mass leave) ran; never rejects. */
  effects: Promise<void>;
  /** Chats that now owe a read of their name and size from LINE. */
  toEnrich: string[];
  /** Chats the OA was just invited into (their members can be listed once, where LINE allows). */
  joined: string[];
}

const MAX_ATTEMPTS = 8;

/** Time-ordered, with the event id breaking ties, so decisions read in the order things happened. */
const byTime = (a: ChatEvent, b: ChatEvent) =>
  a.at === b.at ? (a.webhookEventId < b.webhookEventId ? -1 : 1) : a.at < b.at ? -1 : 1;

/**
 * Records chat events in the group registry, each exactly once, after the webhook was answered.
 * Chats are independent and run in parallel. A chat's routine activity only moves
 * `lastActivityAt` (one conditional write); anything else is applied in one transaction with an
 * event record each and, when there is work to do after it (replies, announcements, the
 * mass-leave check), an outbox entry: a redelivery changes nothing, and a crash after the commit
 * loses nothing.
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
  const effects: Promise<void>[] = [];
  const toEnrich: string[] = [];
  const joined: string[] = [];
  await Promise.all(
    [...byChat.entries()].map(async ([groupId, chatEvents]) => {
      const sorted = [...chatEvents].sort(byTime);
      const cached = deps.chatCache?.get(groupId);
      let preloaded: { stored: StoredGroup | undefined } | undefined = cached && { stored: cached };
      const [earliest, latest] = [sorted[0], sorted.at(-1)];
      const routine = earliest && sorted.every((e) => isRoutineCandidate(e, offers));
      // The cached chat says the full path is due anyway (e.g. inside the ejection window): no touch.
      const fullPathKnown = cached && earliest && !isRoutineActivity(cached.group, earliest.at, deps.policy);
      if (earliest && latest && routine && !fullPathKnown) {
        // The rule must hold for the earliest event: one before what the chat has seen, or inside
        // the ejection window, moves more than lastActivityAt and is recorded.
        const touched = await deps.registry.touchActivity(
          groupId,
          { earliest: earliest.at, latest: latest.at },
          deps.policy.ejectionWindowMs,
        );
        if (touched.applied) {
          deps.chatCache?.forget(groupId); // its version moved
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
        effects.push(...outcome.effects);
        if (outcome.enrich && !toEnrich.includes(groupId)) toEnrich.push(groupId);
        if (outcome.joined && !joined.includes(groupId)) joined.push(groupId);
      }
    }),
  );
  return { effects: Promise.all(effects).then(() => undefined), toEnrich, joined };
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
): Promise<{ effects: Promise<void>[]; enrich: boolean; joined?: boolean }> {
  const effects: Promise<void>[] = [];
  let pending = events;
  for (let attempt = 1; pending[0]; attempt++) {
    const groupId = pending[0].groupId;
    const stored = attempt === 1 && preloaded ? preloaded.stored : await deps.registry.load(groupId);
    const before = stored?.group;
    const applied = applyEvents(before, pending, offers, deps);
    let group = applied.group;
    const enrich = wantsEnrichment(before, group, pending);
    if (enrich) group = requestEnrichment(before, group, deps.clock.now());
    const bursts = await burstsFor(before, group, deps);
    const counted = await dayCounts(before, group, applied.records, deps);
    group = counted.group;
    const entry = outboxEntry(
      groupId,
      counted.records[0]?.eventKey ?? groupId,
      {
        report: statusReport(before, group),
        bursts,
        replies: applied.replies,
        chat: chatInfo(before, group, (stored?.version ?? 0) + 1),
      },
      deps.clock.now(),
    );
    try {
      await deps.registry.save(group, stored?.version, counted.records, {
        ...statusChange(before, group),
        ...counted.change,
        ...(bursts && { bursts }),
        ...(entry && { outbox: entry }),
      });
      deps.chatCache?.set({ group, version: (stored?.version ?? 0) + 1 });
      if (counted.records.length > 0) deps.telemetry.count('eventsRecorded', counted.records.length);
      // Only after the commit: a redelivery is refused as a duplicate, so no reply is sent twice.
      if (entry) effects.push(runOutboxEntry(entry, deps));
      const joined = counted.records.some((r) => r.eventType === 'join' && r.decision === 'activated');
      return { effects, enrich, joined };
    } catch (error) {
      deps.chatCache?.forget(groupId);
      if (error instanceof DuplicateEventsError) {
        deps.telemetry.count('eventsDuplicate', error.webhookEventIds.length);
        deps.log.info('events already recorded; skipped', { webhookEventIds: error.webhookEventIds });
        pending = pending.filter((e) => !error.webhookEventIds.includes(e.webhookEventId));
        // Recorded before: if the process that did it died after its commit, its work is still here.
        effects.push(runPendingOutbox(groupId, deps));
      } else if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) {
        throw error;
      }
      // Another writer (an operator, the enricher) changed the chat: jittered back-off, then load again.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
  return { effects, enrich: false };
}

/** Folds the events into the chat, noting for each what it did and what it answers. `events` is never empty. */
function applyEvents(
  before: Group | undefined,
  events: ChatEvent[],
  offers: Offers | undefined,
  deps: RecordChatEventsDeps,
): { group: Group; records: GroupEventRecord[]; replies: PendingReply[] } {
  const records: GroupEventRecord[] = [];
  const replies: PendingReply[] = [];
  const now = deps.clock.now();
  const group = events.reduce<Group | undefined>((previous, event) => {
    let next = applyEvent(previous, event, deps.policy);
    const decision = decide(previous, next, event);
    const record = toRecord(event, decision, next, deps.clock);
    if (offers) {
      const decided = decideReply(next, event, decision, offers, deps.replyPolicy, now);
      const cooldownField =
        decided.reply?.kind === 'coupon'
          ? 'lastCouponReplyAt'
          : decided.reply?.kind === 'memberWelcome'
            ? 'lastMemberWelcomeAt'
            : undefined;
      if (decided.reply) {
        const previousCooldown = cooldownField ? next[cooldownField] : undefined;
        replies.push({
          kind: decided.reply.kind,
          replyToken: decided.reply.replyToken,
          messages: decided.reply.messages,
          eventKey: record.eventKey,
          eventAt: event.at,
          ...(decided.reply.coupon && { couponId: decided.reply.coupon.couponId }),
          ...(cooldownField && {
            cooldown: { field: cooldownField, ...(previousCooldown && { previous: previousCooldown }) },
          }),
        });
        record.reply = decided.reply.kind;
      } else if (decided.expired) {
        // Asked for an answer too late to give one (a backlog, a replay): said so, no cool-down.
        record.reply = decided.expired;
        record.replyStatus = 'expired';
      }
      next = decided.group;
    }
    records.push(record);
    return next;
  }, before) as Group;
  return { group, records, replies };
}

function toRecord(
  event: ChatEvent,
  decision: GroupEventRecord['decision'],
  group: Group,
  clock: Clock,
): GroupEventRecord {
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
  };
}

/** The status a save moves the chat from, for the registry's per-status counts. */
export const statusChange = (before: Group | undefined, group: Group) =>
  before?.status === group.status
    ? {}
    : { previous: before ? { status: before.status, statusChangedAt: before.statusChangedAt } : null };
