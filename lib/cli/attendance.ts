import { userInfo } from 'node:os';
import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import {
  type AttendanceAdminDeps,
  AttendanceInputError,
  attendanceReport,
  decideCorrection,
  disableAttendance,
  enableAttendance,
  pendingCorrections,
  reportCsv,
} from '../../lambda/app/attendance/manage-attendance';
import { CorrectionNotPendingError } from '../../lambda/app/attendance/ports';
import { parseCommandLine } from './args';
import { connect, connectionOptions } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const attendanceUsage = `Usage:
  npm run attendance -- enable <groupId> [--time-zone Asia/Tokyo] [--day-starts 05:00] [--json]
                                         turn attendance on in a chat (off everywhere until then)
  npm run attendance -- disable <groupId> [--json]
                                         turn it off: 出勤 and the rest are ignored there again
  npm run attendance -- report <groupId> --month 2026-11 [--csv] [--json]
                                         the month's days per member (CSV: UTF-8 with BOM, for Excel)
  npm run attendance -- corrections [--approve <id> | --reject <id>] [--by <name>] [--json]
                                         corrections waiting for approval; approve or reject one

Reads the local stack (npm start) by default; --aws reads AWS with the standard AWS credentials and
region; DYNAMODB_ENDPOINT overrides the endpoint. ATTENDANCE_OPEN_SHIFT_HOURS (default 16): a shift
with no 退勤 this long is flagged open.`;

const options = {
  ...connectionOptions,
  'time-zone': { type: 'string' },
  'day-starts': { type: 'string' },
  month: { type: 'string' },
  csv: { type: 'boolean', default: false },
  approve: { type: 'string' },
  reject: { type: 'string' },
  by: { type: 'string' },
} as const;

/** Who decided a correction, as the report shows it: --by, else the operator's login name. */
function operatorName(by: string | undefined): string {
  if (by) return by;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/** The operators' `attendance` command. Resolves to the process exit code. */
export async function attendanceCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(argv, options, attendanceUsage, out);
  if (exit !== undefined) return exit;
  const [command, groupId] = positionals;
  const needsChat = command === 'enable' || command === 'disable' || command === 'report';
  if (needsChat && !groupId) throw new UsageError(`${command}: which groupId?\n\n${attendanceUsage}`);
  const { client, tables } = connect(values, env);
  const deps: AttendanceAdminDeps = {
    store: new DynamoDbAttendanceStore({ client, tables, retentionDays: 0 }),
    openShiftMs: Number(env.ATTENDANCE_OPEN_SHIFT_HOURS || 16) * 3_600_000,
    now: () => new Date(),
  };
  const print = (value: unknown, human: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : human());
  try {
    switch (command) {
      case 'enable':
      case 'disable': {
        const settings =
          command === 'enable'
            ? await enableAttendance(
                groupId as string,
                { timeZone: values['time-zone'], dayStarts: values['day-starts'] },
                deps,
              )
            : await disableAttendance(groupId as string, deps);
        print(settings, () =>
          settings.enabled
            ? `attendance on in ${settings.groupId} (${settings.timeZone}, days start at ${settings.dayStarts})`
            : `attendance off in ${settings.groupId}: its records stay for the reports`,
        );
        return 0;
      }
      case 'report': {
        if (!values.month) throw new UsageError(`report: which --month (YYYY-MM)?\n\n${attendanceUsage}`);
        if (values.csv && values.json) throw new UsageError(`report: --csv or --json, not both`);
        const report = await attendanceReport(groupId as string, values.month, deps);
        if (values.csv) {
          out(reportCsv(report).replace(/\r\n$/u, ''));
          return 0;
        }
        print(
          report,
          () =>
            report.members
              .map(
                (m) =>
                  `${m.displayName ?? m.userId}: ${m.daysWorked} day(s), ${m.totalWorkedMinutes} min\n${formatTable(
                    m.days.map((d) => ({ ...d, flags: d.flags.join(' ') })) as unknown as Record<
                      string,
                      unknown
                    >[],
                    ['date', 'in', 'out', 'breakMinutes', 'workedMinutes', 'flags'],
                  )}`,
              )
              .join('\n\n') || `no attendance in ${report.month}`,
        );
        return 0;
      }
      case 'corrections': {
        if (values.approve && values.reject)
          throw new UsageError('corrections: --approve or --reject, not both');
        const id = values.approve ?? values.reject;
        if (id) {
          const decided = await decideCorrection(
            id,
            values.approve ? 'approved' : 'rejected',
            operatorName(values.by),
            deps,
          );
          print(
            decided,
            () => `correction ${decided.correctionId} ${decided.status} by ${decided.decidedBy}`,
          );
          return 0;
        }
        const pending = await pendingCorrections(deps);
        print({ corrections: pending }, () =>
          pending.length === 0
            ? 'no corrections waiting'
            : formatTable(pending as unknown as Record<string, unknown>[], [
                'correctionId',
                'groupId',
                'displayName',
                'date',
                'punch',
                'time',
                'requestedAt',
              ]),
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${attendanceUsage}`);
    }
  } catch (error) {
    if (error instanceof AttendanceInputError || error instanceof CorrectionNotPendingError)
      throw new UsageError(error.message);
    throw error;
  }
}
