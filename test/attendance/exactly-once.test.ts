import fc from 'fast-check';
import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import { attendanceReport, enableAttendance } from '../../lambda/app/attendance/manage-attendance';
import type { Punch } from '../../lambda/domain/attendance/commands';
import type { MonthReport } from '../../lambda/domain/attendance/shifts';
import { asRedelivery, webhookEvents, type WebhookEvent } from '../../lib/local/simulator/webhook-events';
import { chatId, eventId, propertyRuns, shuffledDeliveries, userId } from '../support/generators';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let store: DynamoDbAttendanceStore;
const openShiftMs = 16 * 3_600_000;
const admin = () => ({ store, openShiftMs, now: () => new Date('2026-12-31T00:00:00Z') });
beforeAll(async () => {
  h = await startHarness();
  store = new DynamoDbAttendanceStore({
    client: h.documents,
    tables: h.tables,
    retentionDays: 1830,
  });
});
afterAll(() => h.close());

const WORDS: Record<Punch, string> = { in: '出勤', out: '退勤', break: '休憩', back: '戻り' };
const T = Date.parse('2026-11-10T00:00:00+09:00');
type Spec = { member: number; punch: Punch; minute: number; id: string };
/** Something a member typed with a time in it: never a recorded time (a correction stays pending). */
type Typed = { member: number; text: string; minute: number; id: string };

const deliver = (groupId: string, s: Spec, isRedelivery = false): WebhookEvent =>
  webhookEvents.message(groupId, WORDS[s.punch], {
    timestamp: T + s.minute * 60_000,
    webhookEventId: s.id,
    userId: userId(`member-${s.member}`),
    isRedelivery,
  });
const say = (groupId: string, t: Typed): WebhookEvent =>
  webhookEvents.message(groupId, t.text, {
    timestamp: T + t.minute * 60_000,
    webhookEventId: t.id,
    userId: userId(`member-${t.member}`),
  });
/** The month without correction requests (and the days only they made). */
const clocked = (month: Omit<MonthReport, 'groupId'>) => ({
  ...month,
  members: month.members
    .map(({ days, ...m }) => ({
      ...m,
      days: days.filter((d) => d.in !== null || d.out !== null).map(({ corrections: _c, ...d }) => d),
    }))
    .filter((m) => m.days.length > 0)
    .map(({ displayName: _n, ...m }) => m),
});
const recordsOf = async (groupId: string) =>
  (await store.punchesBetween(groupId, '2000', '2100'))
    .map((p) => `${p.webhookEventId} ${p.userId} ${p.punch} ${p.at}`)
    .sort();

describe('attendance under redelivery, shuffling and a busy chat (property, DynamoDB Local)', () => {
  it('commands delivered with duplicates, shuffled and batched: each recorded once, the same month as in order', async () => {
    const spec = fc.record({
      member: fc.integer({ min: 0, max: 2 }),
      punch: fc.constantFrom<Punch>('in', 'out', 'break', 'back'),
      minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
      id: eventId(),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spec, { minLength: 1, maxLength: 12, selector: (s) => s.id }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat()),
        fc.uniqueArray(
          fc.record({
            member: fc.integer({ min: 0, max: 2 }),
            text: fc
              .tuple(
                fc.constantFrom(
                  '修正 出勤',
                  '修正 退勤',
                  '出勤',
                  '退勤',
                  '修正 11/10 退勤',
                  '修正 11/11 出勤',
                ),
                fc.integer({ min: 0, max: 23 }),
                fc.integer({ min: 0, max: 59 }),
              )
              .map(([w, h, m]) => `${w} ${h}:${String(m).padStart(2, '0')}`),
            minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
            id: eventId(),
          }),
          { maxLength: 4, selector: (t) => t.id },
        ),
        async (specs, duplicates, random, typed) => {
          run += 1;
          const reference = chatId(`attendance-reference-${run}-${Date.now()}`);
          const subject = chatId(`attendance-subject-${run}-${Date.now()}`);
          for (const chat of [reference, subject]) await enableAttendance(chat, {}, admin());
          const inOrder = [...specs].sort((a, b) => a.minute - b.minute || (a.id < b.id ? -1 : 1));
          for (const s of inOrder) expect((await h.post([deliver(reference, s)])).statusCode).toBe(200);
          const deliveries = [
            ...specs.map((s) => deliver(subject, s)),
            ...typed.filter((t) => !specs.some((s) => s.id === t.id)).map((t) => say(subject, t)),
            ...duplicates.map((d) => deliver(subject, specs[d % specs.length]!, true)),
          ];
          for (const webhook of shuffledDeliveries(deliveries, random))
            expect((await h.post(webhook)).statusCode).toBe(200);

          const expected = specs
            .map(
              (s) =>
                `${s.id} ${userId(`member-${s.member}`)} ${s.punch} ${new Date(T + s.minute * 60_000).toISOString()}`,
            )
            .sort();
          expect(await recordsOf(subject)).toEqual(expected);
          expect(await recordsOf(reference)).toEqual(expected);
          // The reference never saw the typed times: the months agree once the (pending) requests
          // they made are left out, so nothing typed moved a recorded time.
          const { groupId: _s, ...subjectMonth } = await attendanceReport(subject, '2026-11', admin());
          const { groupId: _r, ...referenceMonth } = await attendanceReport(reference, '2026-11', admin());
          expect(clocked(subjectMonth)).toEqual(clocked(referenceMonth));
          const requested = subjectMonth.members.flatMap((m) => m.days.flatMap((d) => d.corrections ?? []));
          expect(requested.every((c) => c.status === 'pending')).toBe(true);
        },
      ),
      { numRuns: propertyRuns(8, 100) },
    );
  }, 900_000);

  it('64 commands at once in one chat all land, each answered once by name; all 64 again change nothing', async () => {
    const groupId = chatId(`busy-${Date.now()}`);
    await enableAttendance(groupId, {}, admin());
    const now = Date.now();
    const members = Array.from({ length: 64 }, (_, i) => userId(`busy-${now}-${i}`));
    const events = members.map((member, i) =>
      webhookEvents.message(groupId, i % 2 ? '出勤' : '　出勤', {
        timestamp: now - 2_000 + i,
        userId: member,
        replyToken: h.line.state.issueReplyToken(groupId),
      }),
    );
    await Promise.all(events.map((e) => h.post([e], { settle: false })));
    await h.processing.drain();
    await Promise.all(events.map((e) => h.post(asRedelivery([e]), { settle: false })));
    await h.processing.drain();

    const records = await store.punchesBetween(groupId, '2000', '2100');
    expect(records.map((r) => r.userId).sort()).toEqual([...members].sort());
    const replies = h.line.state.sent.filter((s) => s.to === groupId);
    expect(replies).toHaveLength(64);
    expect(replies.every((r) => r.via === 'reply')).toBe(true);
    // The emulator names someone it was not told about `User <last 4 of the id>`.
    const texts = replies.map((r) => String(r.messages[0]?.text));
    const named = (m: string) => `User ${m.slice(-4)}さん 出勤 `;
    for (const member of members)
      expect(texts.filter((t) => t.startsWith(named(member))).length).toBe(
        members.filter((m) => named(m) === named(member)).length,
      );
  }, 120_000);
});
