import { type AttendanceCommand, parseAttendanceCommand, type Punch } from '../../domain/attendance/commands';
import {
  correctionFormReply,
  correctionReply,
  punchReply,
  uncreditedReply,
} from '../../domain/attendance/replies';
import { foldShifts, type PunchFact } from '../../domain/attendance/shifts';
import { attendanceDay, dateOfMonthDay, wallClock } from '../../domain/attendance/time';
import type { ChatEvent } from '../../domain/events';
import type { Message } from '../../domain/messages';
import { chatTypeOf, type PeopleReadDeps } from '../members/read-people';
import { outboxEntry, type OutboxDeps, runOutboxEntry, runPendingOutbox } from '../outbox';
import type { OffersSource, OutboxEntry } from '../ports';
import type { AttendanceSettings, AttendanceStore } from './ports';

/** What processing needs for attendance (the outbox, the templates and the members come with it). */
export interface Attendance {
  store: AttendanceStore;
  /** A shift with no 退勤 this long after its 出勤 is open (ATTENDANCE_OPEN_SHIFT_HOURS). */
  openShiftMs: number;
}

export interface RecordAttendanceDeps extends OutboxDeps {
  attendance: Attendance;
  offers: OffersSource;
  people: PeopleReadDeps;
}

type CommandEvent = ChatEvent & { type: 'message'; text: string };

const mayBeCommand = (event: ChatEvent): event is CommandEvent =>
  event.type === 'message' && event.mode === 'active' && typeof event.text === 'string';

/**
 * Clock commands in chats where attendance is on: each recorded once (keyed by its webhook event)
 * with the outbox entry of its free reply, in time order per chat. Chats run in parallel. What
 * settles once the replies went out is returned, never rejecting (like the registry's effects).
 */
export async function recordAttendance(
  events: ChatEvent[],
  deps: RecordAttendanceDeps,
): Promise<{ effects: Promise<void> }> {
  const candidates = events.filter(mayBeCommand);
  if (candidates.length === 0) return { effects: Promise.resolve() };
  const { templates } = await deps.offers.current();
  const byChat = new Map<string, { event: CommandEvent; command: AttendanceCommand }[]>();
  for (const event of candidates) {
    const command = parseAttendanceCommand(event.text, templates.attendanceCommands, event.mentionsSelf);
    if (command) byChat.set(event.groupId, [...(byChat.get(event.groupId) ?? []), { event, command }]);
  }
  const effects: Promise<void>[] = [];
  await Promise.all(
    [...byChat.entries()].map(async ([groupId, commands]) => {
      const settings = await deps.attendance.store.settings(groupId);
      // Off (or never turned on): no attendance word triggers anything here.
      if (!settings?.enabled) return;
      const seen = new Set<string>();
      for (const { event, command } of commands.sort((a, b) => (a.event.at < b.event.at ? -1 : 1))) {
        if (seen.has(event.webhookEventId)) continue;
        seen.add(event.webhookEventId);
        effects.push((await recordCommand(event, command, settings, deps)).effects);
      }
    }),
  );
  return { effects: Promise.all(effects).then(() => undefined) };
}

async function recordCommand(
  event: CommandEvent,
  command: AttendanceCommand,
  settings: AttendanceSettings,
  deps: RecordAttendanceDeps,
): Promise<{ effects: Promise<void> }> {
  const { groupId, userId, webhookEventId, at } = event;
  const store = deps.attendance.store;
  const entryFor = (message: Message): OutboxEntry | undefined =>
    event.replyToken
      ? outboxEntry(
          groupId,
          // Its own key: the registry may keep an entry for the same event (it never overwrites).
          `attendance#${at}#${webhookEventId}`,
          {
            replies: [
              {
                kind: 'attendance',
                replyToken: event.replyToken,
                messages: [message],
                eventKey: `${at}#${webhookEventId}`,
                eventAt: at,
              },
            ],
          },
          deps.clock.now(),
        )
      : undefined;

  let entry: OutboxEntry | undefined;
  let written: boolean;
  if (!userId) {
    // LINE for PC, or a user who did not consent: nobody to credit, so nothing is recorded.
    entry = entryFor(uncreditedReply());
    written = await store.recordAnswered(groupId, webhookEventId, at, entry);
  } else if (command.type === 'punch') {
    const displayName = await displayNameOf(groupId, userId, deps.people);
    const punch: PunchFact = {
      userId,
      punch: command.punch,
      at,
      webhookEventId,
      ...(displayName && { displayName }),
    };
    entry = entryFor(await punchAnswer(groupId, punch, settings, deps));
    written = await store.recordPunch(groupId, punch, entry);
  } else if (command.type === 'correction') {
    const displayName = await displayNameOf(groupId, userId, deps.people);
    const today = attendanceDay(at, settings.timeZone, settings.dayStarts);
    const date = command.monthDay ? dateOfMonthDay(command.monthDay, today) : today;
    const correction = {
      correctionId: webhookEventId,
      groupId,
      userId,
      ...(displayName && { displayName }),
      date,
      punch: command.punch,
      time: command.time,
      requestedAt: at,
      status: 'pending' as const,
    };
    entry = entryFor(correctionReply(displayName, correction));
    written = await store.recordCorrection(correction, entry);
  } else {
    entry = entryFor(correctionFormReply(await displayNameOf(groupId, userId, deps.people)));
    written = await store.recordAnswered(groupId, webhookEventId, at, entry);
  }
  if (!written) {
    deps.telemetry.count('eventsDuplicate');
    deps.log.info('attendance command already recorded; skipped', { groupId, webhookEventId });
    // Recorded before: a process that died after that commit may have left its reply owed.
    return { effects: runPendingOutbox(groupId, deps) };
  }
  return { effects: entry ? runOutboxEntry(entry, deps) : Promise.resolve() };
}

/** The reply to a punch: what it did among the member's punches known now (in time order). */
async function punchAnswer(
  groupId: string,
  punch: PunchFact,
  settings: AttendanceSettings,
  deps: RecordAttendanceDeps,
) {
  const open = deps.attendance.openShiftMs;
  const around = (offset: number) => new Date(Date.parse(punch.at) + offset).toISOString();
  const known = (
    await deps.attendance.store.punchesBetween(groupId, around(-open), around(open), punch.userId)
  ).filter((p) => p.webhookEventId !== punch.webhookEventId);
  const { effects } = foldShifts([...known, punch], { openShiftMs: open }, deps.clock.now());
  const effect = effects.get(punch.webhookEventId) ?? 'recorded';
  const time = (iso: string) => wallClock(iso, settings.timeZone).time;
  const startedBy: Partial<Record<typeof effect, Punch>> = { alreadyIn: 'in', alreadyOnBreak: 'break' };
  const since = known
    .filter(
      (p) =>
        p.punch === startedBy[effect] && p.at <= punch.at && effects.get(p.webhookEventId) === 'recorded',
    )
    .sort((a, b) => (a.at < b.at ? -1 : 1))
    .at(-1);
  return punchReply(punch.punch, effect, punch.displayName, time(punch.at), since && time(since.at));
}

/**
 * The member's display name from the group-member profile API, cached in the members table (and
 * this process's member cache): read from LINE only the first time. Undefined when LINE does not
 * answer in time; the reply then addresses them without a name.
 */
async function displayNameOf(groupId: string, userId: string, people: PeopleReadDeps) {
  const cached = people.memberCache.get(groupId, userId)?.member.displayName;
  if (cached) return cached;
  const [stored] = await people.members.getMany([{ groupId, userId }]);
  if (stored?.member.displayName) {
    // As read, consistently: the member's next command costs no read.
    people.memberCache.set(stored);
    return stored.member.displayName;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const { displayName } = await Promise.race([
      people.line.memberProfile(chatTypeOf(groupId), groupId, userId),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer in time')), people.timeoutMs);
      }),
    ]);
    const at = people.clock.now();
    await people.members.setName({ groupId, userId }, displayName, at);
    people.memberCache.forget(groupId, userId);
    return displayName;
  } catch (error) {
    // The error's name only: a message may quote the request's path, which holds the user id.
    people.log.warn('member name unavailable for an attendance reply', {
      groupId,
      error: (error as Error).name,
    });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
