import fc from 'fast-check';
import {
  defaultAttendanceCommands as commands,
  parseAttendanceCommand as parse,
  type Punch,
} from '../../lambda/domain/attendance/commands';
import {
  type ChatClock,
  type Correction,
  foldShifts,
  memberDays,
  monthReport,
  type PunchFact,
} from '../../lambda/domain/attendance/shifts';
import {
  attendanceDay,
  dateOfMonthDay,
  instantOf,
  instantOnDay,
  wallClock,
} from '../../lambda/domain/attendance/time';
import { reportCsv } from '../../lambda/app/attendance/manage-attendance';
import { loadTemplates } from '../../lambda/domain/templates';
import { propertyRuns } from '../support/generators';

const tokyo: ChatClock = { timeZone: 'Asia/Tokyo', dayStarts: '05:00', openShiftMs: 16 * 3_600_000 };
/** `2026-11-24 22:00` Tokyo time as ISO UTC. */
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();
let n = 0;
const punch = (kind: Punch, local: string, userId = 'Uyamada', displayName = '山田'): PunchFact => ({
  userId,
  punch: kind,
  at: jst(local),
  webhookEventId: `E${String(++n).padStart(5, '0')}`,
  displayName,
});
const later = new Date('2026-12-31T00:00:00Z');

describe('attendance commands', () => {
  it.each([
    ['出勤', 'in'],
    ['  退勤 ', 'out'],
    ['休憩', 'break'],
    ['戻り', 'back'],
  ])('%p is %p', (text, kind) => {
    expect(parse(text, commands)).toEqual({ type: 'punch', punch: kind });
  });

  it('reads full-width and half-width forms alike (NFKC)', () => {
    expect(parse('修正　退勤　１８：００', commands)).toEqual({
      type: 'correction',
      punch: 'out',
      time: '18:00',
    });
  });

  it('takes a leading @mention of the OA only when the message mentions the OA', () => {
    expect(parse('@勤怠 ボット 出勤', commands, true)).toEqual({ type: 'punch', punch: 'in' });
    expect(parse('@山田 出勤', commands, false)).toBeUndefined();
  });

  it('never fires on a word inside a sentence', () => {
    for (const text of ['明日は出勤します', '出勤？', '出勤 09:00', 'coupon', '', '修正しました'])
      expect(parse(text, commands)).toBeUndefined();
  });

  it('reads corrections for today or a given day, and refuses malformed ones with the form', () => {
    expect(parse('修正 出勤 9:05', commands)).toEqual({ type: 'correction', punch: 'in', time: '09:05' });
    expect(parse('修正 11/24 退勤 18:00', commands)).toEqual({
      type: 'correction',
      punch: 'out',
      time: '18:00',
      monthDay: { month: 11, day: 24 },
    });
    for (const text of ['修正', '修正 退勤', '修正 退勤 25:00', '修正 2/30 出勤 09:00', '修正 休憩 12:00'])
      expect(parse(text, commands)).toEqual({ type: 'badCorrection' });
  });

  it('refuses operator words it could not match, naming the field', () => {
    expect(() => loadTemplates({ attendanceCommands: { ...commands, in: [] } })).toThrow(
      /attendanceCommands\.in: Must be a list of single words/,
    );
    expect(() => loadTemplates({ attendanceCommands: { ...commands, lunch: ['昼'] } })).toThrow(
      /attendanceCommands\.lunch: Unknown command/,
    );
    expect(
      loadTemplates({ attendanceCommands: { ...commands, in: ['おはよう'] } }).attendanceCommands.in,
    ).toEqual(['おはよう']);
  });

  it('uses the operator words instead of the defaults', () => {
    const custom = { ...commands, in: ['おはよう'] };
    expect(parse('おはよう', custom)).toEqual({ type: 'punch', punch: 'in' });
    expect(parse('出勤', custom)).toBeUndefined();
  });
});

describe('attendance time', () => {
  it('reads wall-clock time in the chat zone and back', () => {
    expect(wallClock('2026-11-24T13:00:00Z', 'Asia/Tokyo')).toEqual({ date: '2026-11-24', time: '22:00' });
    expect(instantOf('2026-11-24', '22:00', 'Asia/Tokyo').toISOString()).toBe('2026-11-24T13:00:00.000Z');
    expect(instantOf('2026-07-01', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
  });

  it('puts the small hours on the day before the cut-off', () => {
    expect(attendanceDay(jst('2026-11-25 04:59'), 'Asia/Tokyo', '05:00')).toBe('2026-11-24');
    expect(attendanceDay(jst('2026-11-25 05:00'), 'Asia/Tokyo', '05:00')).toBe('2026-11-25');
    expect(instantOnDay('2026-11-24', '04:00', 'Asia/Tokyo', '05:00').toISOString()).toBe(
      jst('2026-11-25 04:00'),
    );
  });

  it('reads 12/31 asked on 1/2 as last year', () => {
    expect(dateOfMonthDay({ month: 12, day: 31 }, '2027-01-02')).toBe('2026-12-31');
    expect(dateOfMonthDay({ month: 11, day: 24 }, '2026-11-25')).toBe('2026-11-24');
  });
});

describe('shifts and days', () => {
  it('keeps a 22:00–06:00 shift on one day and subtracts its break', () => {
    const days = memberDays(
      [
        punch('in', '2026-11-24 22:00'),
        punch('break', '2026-11-25 01:00'),
        punch('back', '2026-11-25 01:45'),
        punch('out', '2026-11-25 06:00'),
      ],
      [],
      tokyo,
      later,
    );
    expect(days).toEqual([
      {
        date: '2026-11-24',
        in: '2026-11-24 22:00',
        out: '2026-11-25 06:00',
        breakMinutes: 45,
        workedMinutes: 435,
        flags: [],
      },
    ]);
  });

  it('flags a shift without 退勤 as open and never fills it in', () => {
    const days = memberDays(
      [punch('in', '2026-11-24 09:00'), punch('in', '2026-11-25 09:00'), punch('out', '2026-11-25 18:00')],
      [],
      tokyo,
      later,
    );
    expect(days.map((d) => [d.date, d.out, d.workedMinutes, d.flags])).toEqual([
      ['2026-11-24', null, null, ['open']],
      ['2026-11-25', '2026-11-25 18:00', 540, []],
    ]);
  });

  it('a shift still inside the open-shift hours is working, not open', () => {
    const now = new Date(jst('2026-11-24 12:00'));
    expect(memberDays([punch('in', '2026-11-24 09:00')], [], tokyo, now)[0]?.flags).toEqual(['working']);
  });

  it('a second 出勤 is a no-op, said so; an 退勤 with no 出勤 is flagged', () => {
    const first = punch('in', '2026-11-24 09:00');
    const second = punch('in', '2026-11-24 09:05');
    const { effects } = foldShifts([second, first], tokyo, later);
    expect(effects.get(first.webhookEventId)).toBe('recorded');
    expect(effects.get(second.webhookEventId)).toBe('alreadyIn');
    const lone = memberDays([punch('out', '2026-11-26 18:00')], [], tokyo, later);
    expect(lone[0]).toMatchObject({
      in: null,
      out: '2026-11-26 18:00',
      workedMinutes: null,
      flags: ['noIn'],
    });
  });

  it('an approved correction sits beside the clocked time, which stays visible', () => {
    const correction: Correction = {
      correctionId: 'E1',
      groupId: 'C1',
      userId: 'Uyamada',
      displayName: '山田',
      date: '2026-11-24',
      punch: 'out',
      time: '18:00',
      requestedAt: jst('2026-11-25 09:00'),
      status: 'approved',
      decidedBy: 'operator',
      decidedAt: jst('2026-11-25 10:00'),
    };
    const punches = [punch('in', '2026-11-24 09:00')];
    const [day] = memberDays(punches, [correction], tokyo, later);
    expect(day).toMatchObject({
      in: '2026-11-24 09:00',
      out: '2026-11-24 18:00',
      workedMinutes: 540,
      flags: ['corrected'],
      recorded: { in: '2026-11-24 09:00', out: null },
      corrections: [{ requestedBy: '山田', decidedBy: 'operator', status: 'approved' }],
    });
    // Pending or rejected: listed, never applied.
    const [pending] = memberDays(punches, [{ ...correction, status: 'pending' }], tokyo, later);
    expect(pending).toMatchObject({ out: null, workedMinutes: null, flags: ['open'] });
  });

  it('reports a month with totals, leaving out days of other months', () => {
    const report = monthReport(
      {
        groupId: 'C1',
        month: '2026-11',
        punches: [
          punch('in', '2026-11-30 22:00'),
          punch('out', '2026-12-01 06:00'),
          punch('in', '2026-12-01 09:00', 'Usato', '佐藤'),
          punch('out', '2026-12-01 17:00', 'Usato', '佐藤'),
        ],
        corrections: [],
      },
      tokyo,
      later,
    );
    expect(report.members).toEqual([
      expect.objectContaining({
        userId: 'Uyamada',
        displayName: '山田',
        totalWorkedMinutes: 480,
        daysWorked: 1,
      }),
    ]);
  });

  it('any delivery order gives the same days (property)', () => {
    const kinds: Punch[] = ['in', 'out', 'break', 'back'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ kind: fc.constantFrom(...kinds), minute: fc.integer({ min: 0, max: 4 * 24 * 60 }) }),
          {
            maxLength: 30,
          },
        ),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (draws, noise) => {
          const base = Date.parse(jst('2026-11-24 00:00'));
          const punches = draws.map((d, i) => ({
            userId: 'U1',
            punch: d.kind,
            at: new Date(base + d.minute * 60_000).toISOString(),
            webhookEventId: `E${i}`,
          }));
          const shuffled = punches
            .map((p) => ({ p, k: noise.next().value }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.p);
          const days = memberDays(punches, [], tokyo, later);
          expect(memberDays(shuffled, [], tokyo, later)).toEqual(days);
          for (const d of days) {
            if (d.workedMinutes !== null) expect(d.workedMinutes).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: propertyRuns(100, 2000) },
    );
  });
});

describe('the CSV', () => {
  it('is UTF-8 with a BOM, quotes what needs it, and never lets a name run as a formula', () => {
    const csv = reportCsv({
      groupId: 'C1',
      month: '2026-11',
      timeZone: 'Asia/Tokyo',
      members: [
        {
          userId: 'U1',
          displayName: '=HYPERLINK("http://x","山田, 太郎")',
          totalWorkedMinutes: 60,
          daysWorked: 1,
          days: [
            {
              date: '2026-11-24',
              in: '2026-11-24 09:00',
              out: '2026-11-24 10:00',
              breakMinutes: 0,
              workedMinutes: 60,
              flags: ['corrected'],
            },
          ],
        },
      ],
    });
    expect(csv.startsWith('\uFEFFdate,userId,displayName,')).toBe(true);
    expect(csv.split('\r\n')[1]).toBe(
      `2026-11-24,U1,"'=HYPERLINK(""http://x"",""山田, 太郎"")",2026-11-24 09:00,2026-11-24 10:00,0,60,corrected,`,
    );
    expect(csv.split('\r\n')[2]).toBe(`total,U1,"'=HYPERLINK(""http://x"",""山田, 太郎"")",,,,60,,1`);
  });
});
