import { type MonthReport, monthReport } from '../../domain/attendance/shifts';
import {
  addDays,
  instantOf,
  isClockTime,
  isMonth,
  isTimeZone,
  nextMonthStart,
} from '../../domain/attendance/time';
import type { PersonalDataHolder } from '../members/personal-data';
import type { AttendanceSettings, AttendanceStore } from './ports';

export interface AttendanceAdminDeps {
  store: AttendanceStore;
  openShiftMs: number;
  now: () => Date;
}

/** Bad input from an operator: said plainly, nothing changed. */
export class AttendanceInputError extends Error {
  override name = 'AttendanceInputError';
}

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';
export const DEFAULT_DAY_STARTS = '05:00';

/** LINE's group (`C…`) and room (`R…`) ids: a letter and 32 hex digits. */
const isChatId = (groupId: string) => /^[CR][0-9a-f]{32}$/u.test(groupId);

function checkChat(groupId: string) {
  if (!isChatId(groupId))
    throw new AttendanceInputError(`"${groupId}" is not a group or room id (C or R and 32 hex digits)`);
}

/**
 * Turns attendance on in a chat (it is off everywhere until then); the zone and cut-off stay as
 * they were unless given.
 */
export async function enableAttendance(
  groupId: string,
  options: { timeZone?: string; dayStarts?: string },
  deps: AttendanceAdminDeps,
): Promise<AttendanceSettings> {
  checkChat(groupId);
  if (options.timeZone !== undefined && !isTimeZone(options.timeZone))
    throw new AttendanceInputError(
      `--time-zone "${options.timeZone}" is not an IANA time zone (e.g. Asia/Tokyo)`,
    );
  if (options.dayStarts !== undefined && !isClockTime(options.dayStarts))
    throw new AttendanceInputError(
      `--day-starts "${options.dayStarts}" is not a time of day HH:MM (e.g. 05:00)`,
    );
  const before = await deps.store.settings(groupId);
  const settings: AttendanceSettings = {
    groupId,
    enabled: true,
    timeZone: options.timeZone ?? before?.timeZone ?? DEFAULT_TIME_ZONE,
    dayStarts: options.dayStarts ?? before?.dayStarts ?? DEFAULT_DAY_STARTS,
    updatedAt: deps.now().toISOString(),
  };
  await deps.store.putSettings(settings);
  return settings;
}

/** Turns it off: commands are ignored from now on; what was recorded stays for the reports. */
export async function disableAttendance(
  groupId: string,
  deps: AttendanceAdminDeps,
): Promise<AttendanceSettings> {
  checkChat(groupId);
  const before = await deps.store.settings(groupId);
  const settings: AttendanceSettings = {
    groupId,
    enabled: false,
    timeZone: before?.timeZone ?? DEFAULT_TIME_ZONE,
    dayStarts: before?.dayStarts ?? DEFAULT_DAY_STARTS,
    updatedAt: deps.now().toISOString(),
  };
  await deps.store.putSettings(settings);
  return settings;
}

export async function attendanceSettings(groupId: string, deps: AttendanceAdminDeps) {
  return deps.store.settings(groupId);
}

/** The month's report for operators (never posted in the chat). */
export async function attendanceReport(
  groupId: string,
  month: string,
  deps: AttendanceAdminDeps,
): Promise<MonthReport> {
  checkChat(groupId);
  if (!isMonth(month))
    throw new AttendanceInputError(`--month "${month}" is not a month YYYY-MM (e.g. 2026-11)`);
  const settings = await deps.store.settings(groupId);
  if (!settings)
    throw new AttendanceInputError(
      `attendance was never enabled in ${groupId} (npm run attendance -- enable ${groupId})`,
    );
  const first = `${month}-01`;
  const next = nextMonthStart(month);
  const open = deps.openShiftMs;
  // Shifts crossing the month's edges pair with punches up to an open shift's length outside it.
  const from = new Date(instantOf(first, settings.dayStarts, settings.timeZone).getTime() - open);
  const to = new Date(instantOf(next, settings.dayStarts, settings.timeZone).getTime() + open);
  const [punches, corrections] = await Promise.all([
    deps.store.punchesBetween(groupId, from.toISOString(), to.toISOString()),
    deps.store.corrections(groupId, first, addDays(next, -1)),
  ]);
  return monthReport(
    { groupId, month, punches, corrections },
    { timeZone: settings.timeZone, dayStarts: settings.dayStarts, openShiftMs: open },
    deps.now(),
  );
}

export const pendingCorrections = (deps: AttendanceAdminDeps) => deps.store.pendingCorrections();

/** Approves or rejects once; the original record stays, an approved time is shown beside it. */
export function decideCorrection(
  correctionId: string,
  decision: 'approved' | 'rejected',
  by: string,
  deps: AttendanceAdminDeps,
) {
  return deps.store.decide(correctionId, decision, by, deps.now());
}

/** Punches and corrections name their member: found by the byUser index, exported and deleted. */
export function attendanceHolder(store: AttendanceStore): PersonalDataHolder {
  return {
    name: 'attendance',
    export: (userId) => store.ofUser(userId),
    forget: (userId) => store.forgetUser(userId),
  };
}

/** A cell Excel shows as text: quoted when needed, and never read as a formula. */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/u.test(text)) text = `'${text}`;
  return /[",\r\n]/u.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const CSV_COLUMNS = [
  'date',
  'userId',
  'displayName',
  'in',
  'out',
  'breakMinutes',
  'workedMinutes',
  'flags',
  'daysWorked',
] as const;

/**
 * The report as CSV in UTF-8 with a BOM (Excel in Japan opens it as UTF-8 only then): one row per
 * member per day, then the member's totals (`date` = `total`).
 */
export function reportCsv(report: MonthReport): string {
  const rows: (string | number | null)[][] = [[...CSV_COLUMNS]];
  for (const m of report.members) {
    for (const d of m.days)
      rows.push([
        d.date,
        m.userId,
        m.displayName,
        d.in,
        d.out,
        d.breakMinutes,
        d.workedMinutes,
        d.flags.join(' '),
        null,
      ]);
    rows.push(['total', m.userId, m.displayName, null, null, null, m.totalWorkedMinutes, null, m.daysWorked]);
  }
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
