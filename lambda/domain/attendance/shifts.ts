import type { Punch } from './commands';
import { attendanceDay, instantOnDay, wallClock } from './time';

/** One clock command as recorded: the time is LINE's event timestamp, never typed text. */
export interface PunchFact {
  userId: string;
  punch: Punch;
  /** ISO-8601 UTC of the event's `timestamp`. */
  at: string;
  webhookEventId: string;
  displayName?: string;
}

/** A member's request to set the in or out time of a day; applied only once approved. */
export interface Correction {
  correctionId: string;
  groupId: string;
  userId: string;
  displayName?: string;
  /** The attendance day, `YYYY-MM-DD`. */
  date: string;
  punch: 'in' | 'out';
  /** `HH:MM` on that day (before the chat's cut-off: the morning after). */
  time: string;
  requestedAt: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: string;
}

export interface ChatClock {
  timeZone: string;
  /** `HH:MM`: a day starts here, so a night shift stays on the day it started. */
  dayStarts: string;
  /** A shift with no `out` this long after its `in` is open (never filled in). */
  openShiftMs: number;
}

/**
 * What a punch did, read in time order with the member's others:
 *
 *   punch  | not in          | in              | on a break
 *   -------+-----------------+-----------------+----------------
 *   in     | starts a shift  | alreadyIn       | alreadyIn
 *   break  | notIn           | starts a break  | alreadyOnBreak
 *   back   | notIn           | notOnBreak      | ends the break
 *   out    | noIn (flagged)  | ends the shift  | ends both
 *
 * "In" lasts `openShiftMs` at most: past it the shift is open and the member is not in any more.
 */
export type PunchEffect = 'recorded' | 'alreadyIn' | 'notIn' | 'alreadyOnBreak' | 'notOnBreak' | 'noIn';

export type DayFlag = 'open' | 'working' | 'noIn' | 'corrected' | 'inconsistent';

interface Shift {
  in?: number;
  out?: number;
  breaks: { start: number; end?: number }[];
  flags: DayFlag[];
}

const ms = (iso: string) => Date.parse(iso);

/** Time order, the event id breaking ties, so every delivery order reads the same. */
export const byTime = (a: PunchFact, b: PunchFact) =>
  a.at === b.at ? (a.webhookEventId < b.webhookEventId ? -1 : 1) : a.at < b.at ? -1 : 1;

/** One member's punches folded into shifts, and what each punch did. */
export function foldShifts(
  punches: readonly PunchFact[],
  clock: Pick<ChatClock, 'openShiftMs'>,
  now: Date,
): { shifts: Shift[]; effects: Map<string, PunchEffect> } {
  const shifts: Shift[] = [];
  const effects = new Map<string, PunchEffect>();
  let current: Shift | undefined;
  for (const p of [...punches].sort(byTime)) {
    const at = ms(p.at);
    if (current?.in !== undefined && at - current.in > clock.openShiftMs) {
      shifts.push({ ...current, flags: ['open'] });
      current = undefined;
    }
    const onBreak = current?.breaks.at(-1)?.end === undefined && (current?.breaks.length ?? 0) > 0;
    let effect: PunchEffect = 'recorded';
    switch (p.punch) {
      case 'in':
        if (current) effect = 'alreadyIn';
        else current = { in: at, breaks: [], flags: [] };
        break;
      case 'break':
        if (!current) effect = 'notIn';
        else if (onBreak) effect = 'alreadyOnBreak';
        else current.breaks.push({ start: at });
        break;
      case 'back': {
        const open = current?.breaks.at(-1);
        if (!current) effect = 'notIn';
        else if (!onBreak || !open) effect = 'notOnBreak';
        else open.end = at;
        break;
      }
      case 'out':
        if (current) {
          const open = current.breaks.at(-1);
          if (onBreak && open) open.end = at;
          shifts.push({ ...current, out: at });
          current = undefined;
        } else {
          effect = 'noIn';
          shifts.push({ out: at, breaks: [], flags: ['noIn'] });
        }
        break;
    }
    effects.set(p.webhookEventId, effect);
  }
  if (current?.in !== undefined) {
    shifts.push({ ...current, flags: [now.getTime() - current.in > clock.openShiftMs ? 'open' : 'working'] });
  }
  return { shifts, effects };
}

const breakMs = (shift: Shift) =>
  shift.breaks.reduce((sum, b) => sum + (b.end === undefined ? 0 : b.end - b.start), 0);

/** Worked time of a closed shift; undefined when it has no in or no out (never filled in). */
function workedMs(shift: Shift): number | undefined {
  if (shift.in === undefined || shift.out === undefined) return undefined;
  return shift.out - shift.in - breakMs(shift);
}

export interface CorrectionNote {
  correctionId: string;
  punch: 'in' | 'out';
  /** The time asked for, `HH:MM` on the row's day (in the chat's zone). */
  time: string;
  requestedBy: string;
  requestedAt: string;
  status: Correction['status'];
  decidedBy?: string;
  decidedAt?: string;
}

/** One member's day as the report shows it. Times are `YYYY-MM-DD HH:MM` in the chat's zone. */
export interface DayRow {
  date: string;
  in: string | null;
  out: string | null;
  breakMinutes: number;
  /** null when the day has a shift without in or out (open, noIn, working). */
  workedMinutes: number | null;
  flags: DayFlag[];
  /** What was clocked, when a correction changed in or out: the original stays visible. */
  recorded?: { in: string | null; out: string | null };
  corrections?: CorrectionNote[];
}

export interface MemberMonth {
  userId: string;
  displayName: string | null;
  days: DayRow[];
  totalWorkedMinutes: number;
  daysWorked: number;
}

/**
 * A member's days: each shift on the day it started (a shift with no `in` on the day of its `out`),
 * approved corrections applied beside the clocked times, and every correction listed.
 */
export function memberDays(
  punches: readonly PunchFact[],
  corrections: readonly Correction[],
  clock: ChatClock,
  now: Date,
): DayRow[] {
  const { shifts } = foldShifts(punches, clock, now);
  const dayOf = (shift: Shift) =>
    attendanceDay(new Date((shift.in ?? shift.out) as number), clock.timeZone, clock.dayStarts);
  const byDay = new Map<string, Shift[]>();
  for (const shift of shifts) byDay.set(dayOf(shift), [...(byDay.get(dayOf(shift)) ?? []), shift]);
  for (const c of corrections) if (!byDay.has(c.date)) byDay.set(c.date, []);

  const local = (t: number | undefined) => {
    if (t === undefined) return null;
    const wall = wallClock(new Date(t), clock.timeZone);
    return `${wall.date} ${wall.time}`;
  };
  return [...byDay.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, dayShifts]): DayRow => {
      const mine = corrections.filter((c) => c.date === date);
      const recorded = { in: local(dayShifts[0]?.in), out: local(dayShifts.at(-1)?.out) };
      const latestApproved = (punch: 'in' | 'out') =>
        mine
          .filter((c) => c.punch === punch && c.status === 'approved')
          .sort((a, b) => ((a.decidedAt ?? '') < (b.decidedAt ?? '') ? -1 : 1))
          .at(-1);
      const fixes = { in: latestApproved('in'), out: latestApproved('out') };
      const effective = dayShifts.map((s) => ({ ...s, flags: [...s.flags] }));
      if (fixes.in || fixes.out) {
        if (effective.length === 0) effective.push({ breaks: [], flags: [] });
        const first = effective[0] as Shift;
        const last = effective.at(-1) as Shift;
        const at = (c: Correction) => instantOnDay(date, c.time, clock.timeZone, clock.dayStarts).getTime();
        if (fixes.in) first.in = at(fixes.in);
        if (fixes.out) {
          // `退勤 06:00` after a 22:00 start is the next morning, whatever the cut-off.
          const out = at(fixes.out);
          last.out = last.in !== undefined && out <= last.in ? out + 86_400_000 : out;
        }
        for (const shift of [first, last]) {
          shift.flags = shift.flags.filter((f) => f !== 'open' && f !== 'noIn' && f !== 'working');
          if (shift.in === undefined) shift.flags.push('noIn');
          else if (shift.out === undefined) shift.flags.push('open');
        }
      }
      const worked = effective.map(workedMs);
      const inconsistent = worked.some((w) => w !== undefined && w < 0);
      const flags = new Set<DayFlag>(effective.flatMap((s) => s.flags));
      if (fixes.in || fixes.out) flags.add('corrected');
      if (inconsistent) flags.add('inconsistent');
      const complete = worked.every((w) => w !== undefined) && !inconsistent;
      const shown = { in: local(effective[0]?.in), out: local(effective.at(-1)?.out) };
      return {
        date,
        ...shown,
        breakMinutes: Math.floor(effective.reduce((sum, s) => sum + breakMs(s), 0) / 60_000),
        workedMinutes: complete
          ? Math.floor(worked.reduce<number>((sum, w) => sum + (w ?? 0), 0) / 60_000)
          : null,
        flags: [...flags],
        ...((fixes.in || fixes.out) && { recorded }),
        ...(mine.length > 0 && {
          corrections: mine.map((c): CorrectionNote => ({
            correctionId: c.correctionId,
            punch: c.punch,
            time: c.time,
            requestedBy: c.displayName ?? c.userId,
            requestedAt: c.requestedAt,
            status: c.status,
            ...(c.decidedBy && { decidedBy: c.decidedBy }),
            ...(c.decidedAt && { decidedAt: c.decidedAt }),
          })),
        }),
      };
    });
}

export interface MonthReport {
  groupId: string;
  month: string;
  timeZone: string;
  members: MemberMonth[];
}

/**
 * The month's report from the punches around it (from `openShiftMs` before its first day to as
 * long after its last, so shifts crossing its edges pair) and the chat's corrections.
 */
export function monthReport(
  input: {
    groupId: string;
    month: string;
    punches: readonly PunchFact[];
    corrections: readonly Correction[];
  },
  clock: ChatClock,
  now: Date,
): MonthReport {
  const userIds = [...new Set([...input.punches, ...input.corrections].map((x) => x.userId))].sort();
  const members = userIds
    .map((userId): MemberMonth => {
      const punches = input.punches.filter((p) => p.userId === userId);
      const corrections = input.corrections.filter((c) => c.userId === userId);
      const days = memberDays(punches, corrections, clock, now).filter((d) => d.date.startsWith(input.month));
      const named = [...punches, ...corrections]
        .filter((x) => x.displayName)
        .sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : 1))
        .at(-1);
      return {
        userId,
        displayName: named?.displayName ?? null,
        days,
        totalWorkedMinutes: days.reduce((sum, d) => sum + (d.workedMinutes ?? 0), 0),
        daysWorked: days.filter((d) => d.in !== null).length,
      };
    })
    .filter((m) => m.days.length > 0);
  return { groupId: input.groupId, month: input.month, timeZone: clock.timeZone, members };
}

const timeOf = (x: PunchFact | Correction) => ('at' in x ? x.at : x.requestedAt);
