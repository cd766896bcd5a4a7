import { type Attendance, recordAttendance } from './attendance/record-attendance';
import { type ChatEvent, type InboxEvent, isFriendshipEvent } from '../domain/events';
import { readPeople, type PeopleReadDeps, syncMembers } from './members/read-people';
import { recordFriendships } from './members/record-friendships';
import { type PeopleToRead, recordMembers } from './members/record-members';
import type { DeadLetter, Inbox, InboxItem } from './ports';
import { recordChatEvents, type RecordChatEventsDeps, type Recorded } from './record-chat-events';

export interface ProcessInboxDeps extends RecordChatEventsDeps {
  inbox: Inbox;
  /** Failed attempts at one inbox item before it becomes a dead letter. */
  maxAttempts: number;
  /** Reads owed names and sizes from LINE, best effort (what fails waits for the sweep). */
  enrich(groupIds: string[]): Promise<unknown>;
  /** The members, their friendships, and what LINE says of them. */
  people: PeopleReadDeps;
  /** Clock commands in chats where attendance is on (absent: never). */
  attendance?: Attendance;
}

/** What applying an item did, and left to do once its batch is recorded. */
export interface Applied extends Recorded {
  people: PeopleToRead;
}

/**
 * Everything an item's events change: the registry first, then the chat's members (they follow
 * what the registry knows of the chat), then friendships (follow and unfollow of 1:1 chats).
 */
export async function applyInboxEvents(events: InboxEvent[], deps: ProcessInboxDeps): Promise<Applied> {
  const chatEvents = events.filter((e): e is ChatEvent => !isFriendshipEvent(e));
  const friendshipEvents = events.filter(isFriendshipEvent);
  const recorded: Recorded =
    chatEvents.length > 0
      ? await recordChatEvents(chatEvents, deps)
      : { effects: Promise.resolve(), toEnrich: [], joined: [] };
  const people = await recordMembers(chatEvents, deps.people);
  if (friendshipEvents.length > 0) await recordFriendships(friendshipEvents, deps.people);
  const { attendance } = deps;
  if (attendance) {
    const attended = await recordAttendance(chatEvents, { ...deps, attendance });
    return { ...recorded, effects: Promise.all([recorded.effects, attended.effects]).then(() => {}), people };
  }
  return { ...recorded, people };
}

/**
 * What processing leaves to do once a batch is recorded: the work after each commit already on
 * its way (replies first), and the chats to read from LINE. Waited for after the batch, so a slow
 * LINE never delays the recording.
 */
export class AfterEffects {
  private readonly effects: Promise<void>[] = [];
  private readonly toEnrich = new Set<string>();
  private readonly joined = new Set<string>();
  private readonly people: PeopleToRead = { names: [], friendships: [] };

  add(applied: Applied) {
    this.effects.push(applied.effects);
    for (const groupId of applied.toEnrich) this.toEnrich.add(groupId);
    for (const groupId of applied.joined) this.joined.add(groupId);
    this.people.names.push(...applied.people.names);
    this.people.friendships.push(...applied.people.friendships);
  }

  async settle(deps: Pick<ProcessInboxDeps, 'enrich' | 'log' | 'people'>): Promise<void> {
    // What fails here is owed and waits for the sweep (chats `enrichment: due`, names and checks due).
    const warn = (what: string) => (error: unknown) =>
      deps.log.warn(`${what} after processing failed`, { error: (error as Error).message });
    await Promise.all([
      ...this.effects,
      this.toEnrich.size > 0 && deps.enrich([...this.toEnrich]).catch(warn('enrichment')),
      (this.people.names.length > 0 || this.people.friendships.length > 0) &&
        readPeople(this.people, deps.people).catch(warn('reading members from LINE')),
      ...[...this.joined].map((groupId) => syncMembers(groupId, deps.people).catch(warn('listing members'))),
    ]);
  }
}

/**
 * Applies one inbox item. A failure is counted on the item and rethrown, so the stream retries it;
 * past `maxAttempts` the item becomes a dead letter (alarmed, replayable) and the stream moves on,
 * so one poisoned event never holds back its chat for long.
 */
export async function processInboxItem(
  item: InboxItem,
  effects: AfterEffects,
  deps: ProcessInboxDeps,
): Promise<void> {
  try {
    effects.add(await applyInboxEvents(item.events, deps));
  } catch (error) {
    await failed(item, error, deps);
    return;
  }
  await forgetText(item, deps);
}

/** A member's text is needed only until the item is applied; losing this write costs a day's TTL. */
export async function forgetText(item: InboxItem, deps: Pick<ProcessInboxDeps, 'inbox' | 'log'>) {
  await deps.inbox.forgetText(item).catch((error: unknown) =>
    deps.log.warn('could not drop the message texts of an applied item; they expire within a day', {
      groupId: item.groupId,
      error: (error as Error).message,
    }),
  );
}

/** Counted on the item and rethrown, so the stream retries it; past the attempts, a dead letter. */
async function failed(item: InboxItem, error: unknown, deps: ProcessInboxDeps): Promise<void> {
  const reason = `${(error as Error).name}: ${(error as Error).message}`;
  deps.telemetry.count('processingFailures');
  // If even this write fails (DynamoDB is down), the error goes up and the stream retries later.
  if (!(await deps.inbox.noteFailure(item, reason, deps.maxAttempts))) throw error;
  deadLettered(item, reason, deps);
}

/** A dead letter is announced once: one metric (alarmed) and one error line naming the chat. */
export function deadLettered(
  item: InboxItem,
  reason: string,
  deps: Pick<ProcessInboxDeps, 'log' | 'telemetry'>,
) {
  deps.telemetry.count('eventsDeadLettered', item.events.length);
  deps.log.error('events dead-lettered: npm run events -- failed', {
    groupId: item.groupId,
    inboxKey: item.inboxKey,
    webhookEventIds: item.events.map((e) => e.webhookEventId),
    reason,
  });
}

export interface ReplayOutcome {
  replayed: number;
  failed: { inboxKey: string; groupId: string; error: string }[];
}

/**
 * `npm run events -- replay`: processes the dead letters again. Events that took effect before
 * are skipped as duplicates, so a replay applies each event at most once.
 */
export async function replayDeadLetters(
  letters: DeadLetter[],
  deps: ProcessInboxDeps,
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { replayed: 0, failed: [] };
  const effects = new AfterEffects();
  for (const letter of letters) {
    try {
      effects.add(await applyInboxEvents(letter.events, deps));
      await deps.inbox.settle(letter);
      await forgetText(letter, deps);
      deps.telemetry.count('eventsReplayed', letter.events.length);
      outcome.replayed += 1;
    } catch (error) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      await deps.inbox.noteFailure(letter, reason, 0);
      outcome.failed.push({ inboxKey: letter.inboxKey, groupId: letter.groupId, error: reason });
    }
  }
  await effects.settle(deps);
  return outcome;
}
