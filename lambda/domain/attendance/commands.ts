/** The four clock commands; `break` starts a break and `back` ends it. */
export type Punch = 'in' | 'out' | 'break' | 'back';
export const PUNCHES: readonly Punch[] = ['in', 'out', 'break', 'back'];

/** The words members type, per command (operator-editable: `attendanceCommands` in the templates). */
export interface AttendanceCommands {
  in: string[];
  out: string[];
  break: string[];
  back: string[];
  /** Starts a correction request: `修正 退勤 18:00`, `修正 11/24 出勤 09:00`. */
  correction: string[];
}

export const defaultAttendanceCommands: AttendanceCommands = {
  in: ['出勤'],
  out: ['退勤'],
  break: ['休憩'],
  back: ['戻り'],
  correction: ['修正'],
};

export type AttendanceCommand =
  | { type: 'punch'; punch: Punch }
  | {
      type: 'correction';
      punch: 'in' | 'out';
      /** `HH:MM` on the shift's day (before the day's cut-off: the morning after). */
      time: string;
      /** Absent: the day the request was made. */
      monthDay?: { month: number; day: number };
    }
  /** Started like a correction but could not be read: the member is told the form. */
  | { type: 'badCorrection' };

const normalize = (text: string) => text.normalize('NFKC').trim().replace(/\s+/gu, ' ');

/**
 * Strips a leading @mention of the OA. LINE puts the OA's display name (which may hold spaces)
 * in the text, so with `mentionsSelf` anything from `@` up to the last space before the command
 * is the mention; without it a leading `@` is someone else's mention and nothing is a command.
 */
function withoutMention(text: string, mentionsSelf: boolean, rest: RegExp): string | undefined {
  if (!text.startsWith('@')) return text;
  if (!mentionsSelf) return undefined;
  for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) {
    const tail = text.slice(i + 1);
    if (rest.test(tail)) return tail;
  }
  return undefined;
}

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
const alternatives = (words: string[]) =>
  words
    .map(normalize)
    .filter((w) => w !== '')
    .map(escape)
    .join('|') || '(?!)';

/**
 * What a message asks of attendance, or undefined when it is not a command. Exact commands only,
 * after NFKC, trimming and an optional leading @mention of the OA: a word inside a sentence
 * (`明日は出勤します`) never triggers anything.
 */
export function parseAttendanceCommand(
  text: string,
  commands: AttendanceCommands,
  mentionsSelf = false,
): AttendanceCommand | undefined {
  const normalized = normalize(text);
  const punchWords = PUNCHES.map((p) => [p, new RegExp(`^(?:${alternatives(commands[p])})$`, 'u')] as const);
  const correctionStart = new RegExp(`^(?:${alternatives(commands.correction)})(?: |$)`, 'u');
  const anyCommand = new RegExp(
    `${punchWords.map(([, r]) => r.source).join('|')}|${correctionStart.source}`,
    'u',
  );
  const body = withoutMention(normalized, mentionsSelf, anyCommand);
  if (body === undefined) return undefined;
  for (const [punch, pattern] of punchWords) if (pattern.test(body)) return { type: 'punch', punch };
  if (!correctionStart.test(body)) return undefined;
  const inWords = alternatives(commands.in);
  const outWords = alternatives(commands.out);
  const form = new RegExp(
    `^(?:${alternatives(commands.correction)}) (?:(\\d{1,2})/(\\d{1,2}) )?(?:(${inWords})|(${outWords})) ?(\\d{1,2})[:：](\\d{2})$`,
    'u',
  );
  const m = form.exec(body);
  if (!m) return { type: 'badCorrection' };
  const [, month, day, inWord, , hours, minutes] = m;
  const h = Number(hours);
  const min = Number(minutes);
  if (h > 23 || min > 59) return { type: 'badCorrection' };
  const monthDay = month && day ? { month: Number(month), day: Number(day) } : undefined;
  if (monthDay && !isCalendarMonthDay(monthDay.month, monthDay.day)) return { type: 'badCorrection' };
  return {
    type: 'correction',
    punch: inWord ? 'in' : 'out',
    time: `${String(h).padStart(2, '0')}:${minutes}`,
    ...(monthDay && { monthDay }),
  };
}

/** A month and day some year has (29 February included). */
function isCalendarMonthDay(month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(2000, month, 0)).getUTCDate();
}

/** Every word that starts a command (the webhook keeps the text of messages starting with one). */
export const commandWords = (commands: AttendanceCommands): string[] => [
  ...commands.in,
  ...commands.out,
  ...commands.break,
  ...commands.back,
  ...commands.correction,
];

/** The operator's `attendanceCommands`, checked: what is wrong, by field (empty when fine). */
export function attendanceCommandErrors(value: unknown): { property: string; message: string }[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ property: 'attendanceCommands', message: 'Must be an object of word lists' }];
  const errors: { property: string; message: string }[] = [];
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!(key in defaultAttendanceCommands))
      errors.push({ property: `attendanceCommands.${key}`, message: 'Unknown command' });
  for (const key of Object.keys(defaultAttendanceCommands)) {
    const words = record[key];
    if (
      !Array.isArray(words) ||
      words.length === 0 ||
      words.some((w) => typeof w !== 'string' || normalize(w) === '' || /\s/u.test(normalize(w)))
    )
      errors.push({ property: `attendanceCommands.${key}`, message: 'Must be a list of single words' });
  }
  return errors;
}
