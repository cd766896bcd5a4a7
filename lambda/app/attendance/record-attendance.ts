import { type AttendanceCommand, parseAttendanceCommand, type Punch } from '../../domain/attendance/commands';
import {
  correctionFormReply,
  correctionReply,
  punchReply,
  uncreditedReply,
} from '../../domain/attendance/replies';
import { foldShifts, type PunchFact } from '../../domain/attendance/shifts';
import { attendanceDay, dateOfMonthDay, wallClock } from '../../domain/attendance/time';
import { type ReplyPolicy, replyTokenExpired } from '../../domain/coupon-policy';
import type { ChatEvent } from '../../domain/events';
import { assertValidMessages, type Message } from '../../domain/messages';
import { LineApiError } from '../errors';
import { chatTypeOf, type PeopleReadDeps } from '../members/read-people';
import type { Clock, Log, OffersSource, ReplySender, Telemetry } from '../ports';
import type { AttendanceSettings, AttendanceStore } from './ports';

/** What processing needs for attendance (the outbox, the templates and the members come with it). */
export interface Attendance {
  store: AttendanceStore;
  /** A shift with no 退勤 this long after its 出勤 is open (ATTENDANCE_OPEN_SHIFT_HOURS). */
  openShiftMs: number;
}

export interface RecordAttendanceDeps {
  attendance: Attendance;
  offers: OffersSource;
  people: PeopleReadDeps;
  replies: ReplySender;
  replyPolicy: ReplyPolicy;
  clock: Clock;
  log: Log;
  telemetry: Telemetry;
}

type CommandEvent = ChatEvent & { type: 'message'; text: string };

const mayBeCommand = (event: ChatEvent): event is CommandEvent =>
  event.type === 'message' && event.mode === 'active' && typeof event.text === 'string';

/**
 * Clock commands in chats where attendance is on: each recorded once (keyed by its webhook event),
 * in time order per chat, then answered with a free reply. Chats run in parallel. What settles
 * once the replies went out is returned, never rejecting (like the registry's effects).
 *
 * No outbox: a redelivered command (the stream's retry after a crash, LINE's redelivery) is
 * answered again with the same reply token, and LINE takes a reply token once. So the chat sees
 * one answer, even when the first process died between its write and its reply, at a third of
 * the capacity units a transaction with an outbox entry, its claim and its deletion cost.
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
  let message: Message;
  let written: boolean;
  if (!userId) {
    // LINE for PC, or a user who did not consent: nobody to credit, so nothing is recorded.
    message = uncreditedReply();
    written = await store.recordAnswered(groupId, webhookEventId, at);
  } else if (command.type === 'punch') {
    const displayName = await displayNameOf(groupId, userId, deps.people);
    const punch: PunchFact = {
      userId,
      punch: command.punch,
      at,
      webhookEventId,
      ...(displayName && { displayName }),
    };
    message = await punchAnswer(groupId, punch, settings, deps);
    written = await store.recordPunch(groupId, punch);
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
    message = correctionReply(displayName, correction);
    written = await store.recordCorrection(correction);
  } else {
    message = correctionFormReply(await displayNameOf(groupId, userId, deps.people));
    written = await store.recordAnswered(groupId, webhookEventId, at);
  }
  if (!written) {
    deps.telemetry.count('eventsDuplicate');
    deps.log.info('attendance command already recorded; answered again only if it never was', {
      groupId,
      webhookEventId,
    });
  }
  // Only after the write: a chat is never told of a record that is not there.
  return { effects: answer(event, message, written, deps) };
}

/**
 * The free reply. After a redelivery (`firstTime` false) LINE refusing the token is the expected
 * outcome (it was used by the first answer) and is not a failure. Never rejects.
 */
async function answer(
  event: CommandEvent,
  message: Message,
  firstTime: boolean,
  deps: RecordAttendanceDeps,
): Promise<void> {
  const { groupId, replyToken } = event;
  if (!replyToken) return;
  if (replyTokenExpired(event, deps.clock.now(), deps.replyPolicy)) {
    if (firstTime) {
      deps.telemetry.count('repliesExpired');
      deps.log.info('attendance reply not sent: its token expired', { groupId });
    }
    return;
  }
  try {
    assertValidMessages([message], 'attendance reply');
    await deps.replies.reply(replyToken, [message]);
    deps.telemetry.count('attendanceRepliesSent');
    deps.log.info(firstTime ? 'attendance reply sent' : 'attendance reply sent on a redelivery', { groupId });
  } catch (error) {
    if (!firstTime && error instanceof LineApiError && error.status === 400) return;
    deps.telemetry.count('repliesFailed');
    deps.log.error('attendance reply failed', { groupId, error: (error as Error).message });
  }
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
