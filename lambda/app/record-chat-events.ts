import { decideReply, mayReply, type Offers, type Reply } from '../domain/coupon-policy';
import type { ChatEvent, Observation } from '../domain/events';
import type { Group } from '../domain/group';
import { applyEvent, applyObservation, decide, type LifecyclePolicy } from '../domain/lifecycle';
import { assertValidMessages } from '../domain/messages';
import { ConcurrentUpdateError, DuplicateEventsError, NotAMemberError } from './errors';
import type {
  Clock,
  GroupEventRecord,
  GroupRegistry,
  LineLookups,
  Log,
  OffersSource,
  ReplySender,
  StoredGroup,
  Telemetry,
} from './ports';

export interface RecordChatEventsDeps {
  registry: GroupRegistry;
  line: LineLookups;
  offers: OffersSource;
  replies: ReplySender;
  policy: LifecyclePolicy;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
  /** Events per transaction; DynamoDB caps a transaction at 100 items. */
  maxEventsPerSave: number;
  /** LINE lookups are best effort: we stop waiting after this long. */
  lookupTimeoutMs: number;
}

const MAX_ATTEMPTS = 8;

/** Time-ordered, with the event id breaking ties, so decisions read in the order things happened. */
const byTime = (a: ChatEvent, b: ChatEvent) =>
  a.at === b.at ? (a.webhookEventId < b.webhookEventId ? -1 : 1) : a.at < b.at ? -1 : 1;

/**
 * Records a webhook's chat events in the group registry, each exactly once. Chats are independent
 * and run in parallel; a chat's events are applied together in one transaction.
 */
export async function recordChatEvents(events: ChatEvent[], deps: RecordChatEventsDeps): Promise<void> {
  const byChat = new Map<string, ChatEvent[]>();
  const seen = new Set<string>();
  for (const event of events) {
    // The same event twice in one batch would be two writes of one item in one transaction.
    if (seen.has(event.webhookEventId)) continue;
    seen.add(event.webhookEventId);
    byChat.set(event.groupId, [...(byChat.get(event.groupId) ?? []), event]);
  }
  // One BatchGetItem for every chat of the webhook instead of a GetItem each.
  const preloaded = byChat.size > 1 ? await deps.registry.loadMany([...byChat.keys()]) : undefined;
  await Promise.all(
    [...byChat.entries()].map(async ([groupId, chatEvents]) => {
      const sorted = [...chatEvents].sort(byTime);
      for (let i = 0; i < sorted.length; i += deps.maxEventsPerSave) {
        const first = i === 0 && preloaded ? { stored: preloaded.get(groupId) } : undefined;
        await recordForChat(sorted.slice(i, i + deps.maxEventsPerSave), deps, first);
      }
    }),
  );
}

async function recordForChat(
  events: ChatEvent[],
  deps: RecordChatEventsDeps,
  /** The chat as already read for this webhook; only the first attempt may use it. */
  preloaded?: { stored: StoredGroup | undefined },
): Promise<void> {
  // Offers are read only for batches that could be answered (a join, a text message).
  const offers = events.some(mayReply) ? await deps.offers.current() : undefined;
  let pending = events;
  for (let attempt = 1; pending[0]; attempt++) {
    const stored =
      attempt === 1 && preloaded ? preloaded.stored : await deps.registry.load(pending[0].groupId);
    const before = stored?.group;
    const records: GroupEventRecord[] = [];
    let replies: Reply[] = [];
    let group = applyEvents(before, pending, records, replies, offers, deps);
    for (const observation of await lookups(before, group, pending, deps)) {
      group = applyObservation(group, observation, deps.policy);
    }
    if (group.status !== 'active') {
      // Ejected at join (LINE said "not a member"): nobody to answer.
      replies = [];
      for (const record of records) delete record.reply;
    }
    try {
      await deps.registry.save(group, stored?.version, records);
      report(before, group, records, deps);
      // Only after the save: a redelivery is refused as a duplicate, so no reply is ever sent twice.
      await Promise.all(replies.map((reply) => sendReply(reply, group.groupId, deps)));
      return;
    } catch (error) {
      if (error instanceof DuplicateEventsError) {
        deps.telemetry.count('eventsDuplicate', error.webhookEventIds.length);
        deps.log.info('events already recorded; skipped', { webhookEventIds: error.webhookEventIds });
        pending = pending.filter((e) => !error.webhookEventIds.includes(e.webhookEventId));
      } else if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) {
        throw error;
      }
      // Another webhook for the same chat won the race: jittered back-off, then load again.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

/** Best effort: a failed reply is logged and counted, never retried (reply tokens are single-use). */
async function sendReply(reply: Reply, groupId: string, deps: RecordChatEventsDeps): Promise<void> {
  try {
    assertValidMessages(reply.messages, `${reply.kind} reply`);
    await deps.replies.reply(reply.replyToken, reply.messages);
    deps.telemetry.count(reply.kind === 'welcome' ? 'welcomesSent' : 'couponRepliesSent');
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
    if (offers) ({ group: next, reply } = decideReply(next, event, decision, offers));
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
    decision,
    status: group.status,
    ...(group.leaveReason && { leaveReason: group.leaveReason }),
    recordedAt: clock.now().toISOString(),
  } satisfies GroupEventRecord;
}

/**
 * Best-effort reads from LINE: the chat's name and size when we (re)join or first see it, the
 * size when members come and go. A 403/404 at join is how LINE tells that another official
 * account is already in the chat; any other failure only costs us the name or size.
 */
async function lookups(
  before: Group | undefined,
  group: Group,
  events: ChatEvent[],
  deps: RecordChatEventsDeps,
): Promise<Observation[]> {
  if (group.status !== 'active') return [];
  const freshJoin = group.joinedAt !== undefined && group.joinedAt !== before?.joinedAt;
  const wantSummary = freshJoin || before === undefined;
  const wantCount = wantSummary || events.some((e) => e.type === 'memberJoined' || e.type === 'memberLeft');
  if (!wantCount) return [];

  const observedAt = deps.clock.now().toISOString();
  const observations: Observation[] = [];
  const attempt = async <T>(what: string, call: () => Promise<T>, use: (value: T) => void) => {
    try {
      use(await withTimeout(call(), deps.lookupTimeoutMs));
    } catch (error) {
      if (error instanceof NotAMemberError) {
        // Seen at join, "not a member" is an ejection; the join's own time ties the evidence to it.
        observations.push({ type: 'notMember', at: (freshJoin && group.joinedAt) || observedAt });
        return;
      }
      deps.telemetry.count('lineLookupFailures');
      deps.log.warn(`LINE ${what} lookup failed; continuing without it`, {
        groupId: group.groupId,
        error: (error as Error).message,
      });
    }
  };
  await Promise.all([
    wantSummary &&
      attempt(
        'summary',
        () => deps.line.getSummary(group.chatType, group.groupId),
        (summary) => summary && observations.push({ type: 'summary', at: observedAt, ...summary }),
      ),
    attempt(
      'member count',
      () => deps.line.getMemberCount(group.chatType, group.groupId),
      (memberCount) => observations.push({ type: 'memberCount', at: observedAt, memberCount }),
    ),
  ]);
  // Both lookups may refuse; one piece of evidence is enough.
  const notMember = observations.filter((o) => o.type === 'notMember');
  return [...observations.filter((o) => o.type !== 'notMember'), ...notMember.slice(0, 1)];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Metrics and the operator-facing warning, once per status change that this save made. */
function report(
  before: Group | undefined,
  group: Group,
  records: GroupEventRecord[],
  deps: RecordChatEventsDeps,
) {
  deps.telemetry.count('eventsRecorded', records.length);
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
