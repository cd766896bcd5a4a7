/**
 * Wall-clock time in a chat's time zone, with nothing but `Intl` (the runtime's tz database), and
 * the attendance day: a shift belongs to the day it started, where a day starts at the chat's
 * `dayStarts` (05:00 makes a 22:00–06:00 shift one day).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** `HH:MM`, 00:00 to 23:59. */
export const isClockTime = (value: string) => /^([01]\d|2[0-3]):[0-5]\d$/u.test(value);

export interface WallClock {
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:MM` */
  time: string;
}

export function wallClock(at: Date | string, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(typeof at === 'string' ? new Date(at) : at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** `YYYY-MM-DD` moved by whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant a wall-clock time names in the zone (the earlier one when a DST change repeats it). */
export function instantOf(date: string, time: string, timeZone: string): Date {
  const asUtc = Date.parse(`${date}T${time}:00Z`);
  // The zone's offset at a guess, applied twice: right on both sides of a DST change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const seen = wallClock(new Date(guess), timeZone);
    const seenAsUtc = Date.parse(`${seen.date}T${seen.time}:00Z`);
    guess += asUtc - seenAsUtc;
  }
  return new Date(guess);
}

/** The attendance day of an instant: its date in the zone, the day before when before `dayStarts`. */
export function attendanceDay(at: Date | string, timeZone: string, dayStarts: string): string {
  const wall = wallClock(at, timeZone);
  return wall.time < dayStarts ? addDays(wall.date, -1) : wall.date;
}

/** The instant of `time` on attendance day `date`: before `dayStarts` it is the next morning. */
export function instantOnDay(date: string, time: string, timeZone: string, dayStarts: string): Date {
  return instantOf(time < dayStarts ? addDays(date, 1) : date, time, timeZone);
}

/** `YYYY-MM` */
export const isMonth = (value: string) => /^\d{4}-(0[1-9]|1[0-2])$/u.test(value);

/** The first day of the next month, `YYYY-MM-DD`. */
export function nextMonthStart(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/**
 * The date a `11/24` in a request means: that day in the request's year, or the year before when
 * it would be after the request's own day (asked on 1/2 about 12/31).
 */
export function dateOfMonthDay(monthDay: { month: number; day: number }, today: string): string {
  const year = Number(today.slice(0, 4));
  const md = `${String(monthDay.month).padStart(2, '0')}-${String(monthDay.day).padStart(2, '0')}`;
  const candidate = `${year}-${md}`;
  return candidate > today || !isRealDate(candidate) ? `${year - 1}-${md}` : candidate;
}

function isRealDate(date: string): boolean {
  return new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
}
