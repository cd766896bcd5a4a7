import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import type { MonthReport } from '../../lambda/domain/attendance/shifts';
import { attendanceCommand } from '../../lib/cli/attendance';
import { membersCommand } from '../../lib/cli/members';
import { asRedelivery, newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let store: DynamoDbAttendanceStore;
beforeAll(async () => {
  h = await startHarness();
  store = new DynamoDbAttendanceStore({
    client: h.documents,
    tables: h.tables,
    retentionDays: 1830,
  });
});
afterAll(() => h.close());

const env = () => ({
  DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
  LINE_API_BASE_URL: h.line.url,
  LINE_CHANNEL_ACCESS_TOKEN: 'test-channel-access-token',
  ...environmentFor(h.tables),
});
/** The operators' CLI as a process runs it: its exit code and what it printed. */
async function cli(argv: string[], command = attendanceCommand) {
  const out: string[] = [];
  const code = await command(argv, (t) => out.push(t), env());
  return { code, text: out.join('\n') };
}
async function cliJson<T = Record<string, unknown>>(argv: string[]): Promise<T> {
  const { code, text } = await cli([...argv, '--json']);
  expect(code).toBe(0);
  return JSON.parse(text) as T;
}
async function named(groupId: string, userId: string, displayName: string) {
  const response = await fetch(`${h.line.url}/emulator/chats/${groupId}/members/${userId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ displayName }),
  });
  expect(response.ok).toBe(true);
}
/** A member typing in the chat as LINE delivers it, with a reply token the emulator accepts once. */
const say = (groupId: string, text: string, userId: string | null, timestamp = Date.now()) =>
  webhookEvents.message(groupId, text, {
    timestamp,
    userId,
    replyToken: h.line.state.issueReplyToken(groupId),
  });
const repliesTo = (groupId: string) =>
  h.line.state.sent.filter((s) => s.to === groupId).map((s) => ({ via: s.via, text: s.messages[0]?.text }));
const jst = (local: string) => Date.parse(`${local.replace(' ', 'T')}:00+09:00`);
const hhmm = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(ms);

describe('attendance in a team group chat, as a new user would try it', () => {
  it('is off until enabled: 出勤 in a chat without attendance never reacts', async () => {
    const groupId = newGroupId();
    await h.post([say(groupId, '出勤', newUserId())]);
    expect(repliesTo(groupId)).toEqual([]);
    expect(await store.punchesBetween(groupId, '2000', '2100')).toEqual([]);
    // Turned on and off again: silent again.
    await cliJson(['enable', groupId]);
    await cliJson(['disable', groupId]);
    await h.post([say(groupId, '出勤', newUserId())]);
    expect(repliesTo(groupId)).toEqual([]);
  });

  it('clocks in with a free reply naming the member and the time; a second 出勤 says so', async () => {
    const groupId = newGroupId();
    const yamada = newUserId();
    await named(groupId, yamada, '山田');
    expect(await cliJson(['enable', groupId])).toMatchObject({
      groupId,
      enabled: true,
      timeZone: 'Asia/Tokyo',
      dayStarts: '05:00',
    });
    const t = Date.now() - 5_000;
    await h.post([say(groupId, '出勤', yamada, t)]);
    await h.post([say(groupId, ' 出勤 ', yamada, t + 1_000)]);
    await h.post([say(groupId, '明日も出勤します', yamada, t + 2_000)]);
    expect(repliesTo(groupId)).toEqual([
      { via: 'reply', text: `山田さん 出勤 ${hhmm(t)} を記録しました` },
      { via: 'reply', text: `山田さん はすでに出勤中です（${hhmm(t)} 出勤）。二重には記録しません` },
    ]);
    expect(h.recorder.lines.map((l) => JSON.stringify(l))).not.toEqual(
      expect.arrayContaining([expect.stringContaining(yamada), expect.stringContaining('山田')]),
    );
  });

  it('takes an @mention of the OA and full-width text; answers a sender LINE did not name', async () => {
    const groupId = newGroupId();
    await cliJson(['enable', groupId]);
    const sato = newUserId();
    await named(groupId, sato, '佐藤');
    await h.post([
      webhookEvents.message(groupId, '休憩　', {
        userId: sato,
        mentionsOa: 'LINE Groups',
        replyToken: h.line.state.issueReplyToken(groupId),
      }),
    ]);
    await h.post([say(groupId, '退勤', null)]);
    const texts = repliesTo(groupId).map((r) => r.text);
    expect(texts[0]).toBe('佐藤さん は出勤の記録がありません。先に「出勤」を送ってください');
    expect(texts[1]).toContain('スマートフォンのLINEアプリから');
    expect(await store.punchesBetween(groupId, '2000', '2100')).toHaveLength(1);
  });

  it('LINE failing to give the name: the command is still recorded and answered, and the id stays out of the logs', async () => {
    const groupId = newGroupId();
    await cliJson(['enable', groupId]);
    const user = newUserId();
    h.line.state.faults.push({ match: `/member/${user}`, status: 500, count: 5 });
    await h.post([say(groupId, '出勤', user)]);
    expect(repliesTo(groupId).map((r) => r.text)).toEqual([
      expect.stringMatching(/^メンバーさん 出勤 \d\d:\d\d を記録しました$/),
    ]);
    expect(await store.punchesBetween(groupId, '2000', '2100', user)).toHaveLength(1);
    expect(
      h.recorder.lines.some((l) => l.message === 'member name unavailable for an attendance reply'),
    ).toBe(true);
    expect(JSON.stringify(h.recorder.lines)).not.toContain(user);
    h.line.state.faults.length = 0;
  });

  it('a redelivered 出勤 records once and replies once', async () => {
    const groupId = newGroupId();
    await cliJson(['enable', groupId]);
    const user = newUserId();
    const events = [say(groupId, '出勤', user)];
    await h.post(events);
    await h.post(asRedelivery(events));
    expect(await store.punchesBetween(groupId, '2000', '2100', user)).toHaveLength(1);
    expect(repliesTo(groupId)).toHaveLength(1);
  });

  it('a process that died between the write and the reply: the redelivery answers, once', async () => {
    const groupId = newGroupId();
    await cliJson(['enable', groupId]);
    const user = newUserId();
    const [event] = [say(groupId, '出勤', user)];
    if (event?.type !== 'message') throw new Error('a message event');
    // What the first process left: the punch, and no reply (it died before sending it).
    expect(
      await store.recordPunch(groupId, {
        userId: user,
        punch: 'in',
        at: new Date(event.timestamp).toISOString(),
        webhookEventId: event.webhookEventId,
      }),
    ).toBe(true);
    await h.post(asRedelivery([event]));
    await h.post(asRedelivery([event]));
    expect(await store.punchesBetween(groupId, '2000', '2100', user)).toHaveLength(1);
    expect(repliesTo(groupId)).toEqual([{ via: 'reply', text: expect.stringContaining('出勤') }]);
  });

  it('a month: across midnight with a break, a forgotten 退勤, an approved correction; JSON and CSV agree', async () => {
    const groupId = newGroupId();
    const [yamada, sato] = [newUserId(), newUserId()];
    await named(groupId, yamada, '山田');
    await named(groupId, sato, '佐藤');
    expect(
      (await cliJson(['enable', groupId, '--time-zone', 'Asia/Tokyo', '--day-starts', '05:00'])).enabled,
    ).toBe(true);
    // Old events (their reply tokens long expired): the records still land, at LINE's timestamps.
    await h.post([
      say(groupId, '出勤', yamada, jst('2026-11-24 22:00')),
      say(groupId, '休憩', yamada, jst('2026-11-25 01:00')),
      say(groupId, '戻り', yamada, jst('2026-11-25 01:45')),
    ]);
    // The 退勤 before its 出勤 arrived (a shuffled delivery) pairs all the same.
    await h.post([say(groupId, '退勤', sato, jst('2026-11-24 18:00'))]);
    await h.post([say(groupId, '出勤', sato, jst('2026-11-24 09:00'))]);
    await h.post([say(groupId, '退勤', yamada, jst('2026-11-25 06:00'))]);
    // 佐藤 forgets to clock out on the 25th, and asks for it the next day.
    await h.post([say(groupId, '出勤', sato, jst('2026-11-25 09:00'))]);
    await h.post([say(groupId, '修正 11/25 退勤 17:30', sato, jst('2026-11-26 09:00'))]);
    // 山田 forgets too, and asks nothing.
    await h.post([say(groupId, '出勤', yamada, jst('2026-11-26 22:00'))]);

    const { corrections } = await cliJson<{ corrections: { correctionId: string; groupId: string }[] }>([
      'corrections',
    ]);
    const mine = corrections.filter((c) => c.groupId === groupId);
    expect(mine).toHaveLength(1);
    const before = await cliJson<MonthReport>(['report', groupId, '--month', '2026-11']);
    expect(before.members.find((m) => m.userId === sato)?.days[1]).toMatchObject({
      date: '2026-11-25',
      flags: ['open'],
      workedMinutes: null,
    });
    const decided = await cliJson(['corrections', '--approve', mine[0]!.correctionId, '--by', 'manager']);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'manager' });
    // Decided once: a second decision is refused plainly.
    const again = cli(['corrections', '--reject', mine[0]!.correctionId]);
    await expect(again).rejects.toThrow(/no pending correction/);

    const report = await cliJson<MonthReport>(['report', groupId, '--month', '2026-11']);
    expect(report).toMatchObject({ groupId, month: '2026-11', timeZone: 'Asia/Tokyo' });
    const byUser = Object.fromEntries(report.members.map((m) => [m.userId, m]));
    expect(byUser[yamada]).toMatchObject({
      displayName: '山田',
      totalWorkedMinutes: 435,
      daysWorked: 2,
      days: [
        {
          date: '2026-11-24',
          in: '2026-11-24 22:00',
          out: '2026-11-25 06:00',
          breakMinutes: 45,
          workedMinutes: 435,
          flags: [],
        },
        { date: '2026-11-26', in: '2026-11-26 22:00', out: null, workedMinutes: null, flags: ['open'] },
      ],
    });
    expect(byUser[sato]).toMatchObject({
      displayName: '佐藤',
      totalWorkedMinutes: 540 + 510,
      daysWorked: 2,
      days: [
        {
          date: '2026-11-24',
          in: '2026-11-24 09:00',
          out: '2026-11-24 18:00',
          workedMinutes: 540,
          flags: [],
        },
        {
          date: '2026-11-25',
          in: '2026-11-25 09:00',
          out: '2026-11-25 17:30',
          workedMinutes: 510,
          flags: ['corrected'],
          recorded: { in: '2026-11-25 09:00', out: null },
          corrections: [{ requestedBy: '佐藤', decidedBy: 'manager', status: 'approved', time: '17:30' }],
        },
      ],
    });

    // Without --json: a table per member an operator reads at a glance.
    const human = (await cli(['report', groupId, '--month', '2026-11'])).text;
    expect(human).toContain('山田: 2 day(s), 435 min');
    expect(human).toContain('佐藤: 2 day(s), 1050 min');
    expect(human).toMatch(/2026-11-25 +2026-11-25 09:00 +2026-11-25 17:30 +0 +510 +corrected/);
    const csv = (await cli(['report', groupId, '--month', '2026-11', '--csv'])).text;
    expect(
      csv.startsWith('\uFEFFdate,userId,displayName,in,out,breakMinutes,workedMinutes,flags,daysWorked'),
    ).toBe(true);
    const rows = csv
      .slice(1)
      .split('\r\n')
      .map((r) => r.split(','));
    const row = (date: string, userId: string) => rows.find((r) => r[0] === date && r[1] === userId);
    expect(row('2026-11-24', yamada)?.slice(3, 8)).toEqual([
      '2026-11-24 22:00',
      '2026-11-25 06:00',
      '45',
      '435',
      '',
    ]);
    expect(row('2026-11-25', sato)?.slice(6, 8)).toEqual(['510', 'corrected']);
    expect(row('total', sato)?.slice(6)).toEqual(['1050', '', '2']);
    expect(row('total', yamada)?.slice(6)).toEqual(['435', '', '2']);
  });

  it('bad input gets a clear error and changes nothing', async () => {
    const groupId = newGroupId();
    await expect(cli(['enable', groupId, '--time-zone', 'Mars/Olympus'])).rejects.toThrow(/IANA time zone/);
    await expect(cli(['enable', groupId, '--day-starts', '25:00'])).rejects.toThrow(/HH:MM/);
    await expect(cli(['enable', 'not-a-group'])).rejects.toThrow(/not a group or room id/);
    await expect(cli(['report', groupId, '--month', '2026-13'])).rejects.toThrow(/YYYY-MM/);
    await expect(cli(['report', groupId, '--month', '2026-11'])).rejects.toThrow(/never enabled/);
    expect(await store.settings(groupId)).toBeUndefined();
  });

  it('a member forgotten on request loses every attendance record', async () => {
    const groupId = newGroupId();
    await cliJson(['enable', groupId]);
    const user = newUserId();
    await h.post([say(groupId, '出勤', user), say(groupId, '修正 退勤 18:00', user, Date.now() + 1)]);
    const exported = JSON.parse((await cli(['export', user, '--json'], membersCommand)).text) as {
      held: { attendance: unknown[] };
    };
    expect(exported.held.attendance).toEqual([
      expect.objectContaining({ groupId, userId: user, punch: 'out', status: 'pending' }),
      expect.objectContaining({ groupId, userId: user, punch: 'in' }),
    ]);
    const forgotten = JSON.parse((await cli(['forget', user, '--json'], membersCommand)).text) as {
      deleted: { attendance: number };
    };
    expect(forgotten.deleted.attendance).toBe(2);
    expect(await store.punchesBetween(groupId, '2000', '2100', user)).toEqual([]);
    expect(await store.ofUser(user)).toEqual([]);
  });
});
