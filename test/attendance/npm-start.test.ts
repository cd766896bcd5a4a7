import type { MonthReport } from '../../lambda/domain/attendance/shifts';
import { attendanceCommand } from '../../lib/cli/attendance';
import { simulateCommand } from '../../lib/cli/simulate';
import { newGroupId, newUserId } from '../../lib/local/simulator/webhook-events';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';

// Attendance as a new user tries it on `npm start`: the simulator's `clock` (as LINE sends it), the
// operators' `attendance` CLI, and what the emulator says the bot answered.
let stack: LocalStackProcess;
beforeAll(async () => {
  stack = await startLocalStackProcess();
}, 90_000);
afterAll(async () => {
  await stack?.interrupt();
});

const env = () => ({ DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint, LINE_API_BASE_URL: stack.emulatorUrl });
async function attendance(...argv: string[]) {
  const out: string[] = [];
  const code = await attendanceCommand(argv, (t) => out.push(t), env());
  expect(code).toBe(0);
  return out.join('\n');
}
async function simulate(...argv: string[]) {
  const out: string[] = [];
  const code = await simulateCommand(
    [...argv, '--url', stack.webhookUrl, '--emulator', stack.emulatorUrl, '--json'],
    (t) => out.push(t),
    { ...env(), LINE_CHANNEL_SECRET: 'local-channel-secret' },
  );
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as { sent: { via: string; messages: { text?: string }[] }[] }[];
}
async function named(groupId: string, userId: string, displayName: string) {
  const response = await fetch(`${stack.emulatorUrl}/emulator/chats/${groupId}/members/${userId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ displayName }),
  });
  expect(response.ok).toBe(true);
}
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();

describe('attendance on npm start', () => {
  it('enable, clock in and out (one across midnight with a break), one forgets, a correction approved: the report is right', async () => {
    const groupId = newGroupId();
    const [yamada, sato, tanaka] = [newUserId(), newUserId(), newUserId()];
    await named(groupId, yamada, '山田');
    await named(groupId, sato, '佐藤');
    await named(groupId, tanaka, '田中');
    await simulate('join', groupId);
    // Not on yet: 出勤 is ignored.
    const [ignored] = await simulate('clock', groupId, 'in', '--user', yamada);
    expect(ignored!.sent).toEqual([]);
    await attendance('enable', groupId, '--time-zone', 'Asia/Tokyo', '--day-starts', '05:00');

    // Now: a free reply naming the member.
    const [answered] = await simulate('clock', groupId, 'in', '--user', tanaka);
    expect(answered!.sent).toEqual(
      [
        {
          via: 'reply',
          to: groupId,
          messages: [
            { type: 'text', text: expect.stringMatching(/^田中さん 出勤 \d\d:\d\d を記録しました$/) },
          ],
        },
      ].map((s) => expect.objectContaining(s)),
    );

    for (const [kind, user, time] of [
      ['in', yamada, '2026-11-24 22:00'],
      ['break', yamada, '2026-11-25 01:00'],
      ['back', yamada, '2026-11-25 01:45'],
      ['out', yamada, '2026-11-25 06:00'],
      ['in', sato, '2026-11-24 09:00'],
      ['out', sato, '2026-11-24 18:00'],
      ['in', sato, '2026-11-25 09:00'],
      ['in', tanaka, '2026-11-26 09:00'],
    ] as const)
      await simulate('clock', groupId, kind, '--user', user, '--at', at(time));
    await simulate(
      'message',
      groupId,
      '修正 11/25 退勤 17:30',
      '--user',
      sato,
      '--at',
      at('2026-11-26 09:00'),
    );
    const { corrections } = JSON.parse(await attendance('corrections', '--json')) as {
      corrections: { correctionId: string; groupId: string }[];
    };
    const correction = corrections.find((c) => c.groupId === groupId)!;
    await attendance('corrections', '--approve', correction.correctionId, '--by', '店長');

    const report = JSON.parse(
      await attendance('report', groupId, '--month', '2026-11', '--json'),
    ) as MonthReport;
    const of = (userId: string) => report.members.find((m) => m.userId === userId)!;
    expect(of(yamada)).toMatchObject({ displayName: '山田', totalWorkedMinutes: 435, daysWorked: 1 });
    expect(of(yamada).days[0]).toMatchObject({ breakMinutes: 45, workedMinutes: 435, flags: [] });
    expect(of(sato)).toMatchObject({ displayName: '佐藤', totalWorkedMinutes: 540 + 510, daysWorked: 2 });
    expect(of(sato).days[1]).toMatchObject({
      flags: ['corrected'],
      recorded: { out: null },
      corrections: [{ decidedBy: '店長', status: 'approved' }],
    });
    // 田中 forgot to clock out: flagged open, never filled in.
    expect(of(tanaka)).toMatchObject({ totalWorkedMinutes: 0, daysWorked: 1 });
    expect(of(tanaka).days).toEqual([
      expect.objectContaining({ out: null, workedMinutes: null, flags: ['open'] }),
    ]);
    const csv = await attendance('report', groupId, '--month', '2026-11', '--csv');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain(`total,${sato},佐藤,,,,1050,,2`);
    expect(csv).toContain(`total,${yamada},山田,,,,435,,1`);
  }, 120_000);
});
