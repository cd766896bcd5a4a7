import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import { enableAttendance } from '../../lambda/app/attendance/manage-attendance';
import { newGroupId, newUserId, webhookEvents } from '../local/simulator/webhook-events';
import type { BenchEnvironment } from './environment';
import { intake } from './processing';
import { round } from './stats';

export interface AttendanceFigure {
  path: string;
  commands: number;
  capacityUnitsPerCommand: number;
  requestsPerCommand: number;
  repliesPerCommand: number;
}

/**
 * DynamoDB capacity units per clock command, end to end (the inbox write included), counted from
 * DynamoDB's own ConsumedCapacity: members already seen and named (the usual day), alternating
 * 出勤 and 退勤, each answered with a free reply through the outbox.
 */
export async function benchAttendance(
  bench: BenchEnvironment,
  commands: number,
): Promise<AttendanceFigure[]> {
  const post = await intake(bench);
  const processing = await bench.startProcessing();
  const store = new DynamoDbAttendanceStore({
    client: bench.documents,
    tables: bench.tables,
    retentionDays: 1830,
  });
  const admin = { store, openShiftMs: 16 * 3_600_000, now: () => new Date() };
  try {
    const groupIds = Array.from({ length: 10 }, () => newGroupId());
    const members = groupIds.flatMap((groupId) =>
      Array.from({ length: 5 }, () => ({ groupId, userId: newUserId() })),
    );
    const t = Date.now();
    for (const groupId of groupIds) {
      await post([webhookEvents.join(groupId, { timestamp: t - 3_600_000 })]);
      await enableAttendance(groupId, {}, admin);
    }
    // Each member seen and named once, as on any working day after the first.
    for (const [i, m] of members.entries())
      await post([
        webhookEvents.message(m.groupId, 'おはようございます', { userId: m.userId, timestamp: t + i }),
      ]);
    await processing.drain();
    await new Promise((r) => setTimeout(r, 1_000));
    const sentBefore = bench.line.state.sent.length;
    bench.proxy.reset();
    for (let i = 0; i < commands; i++) {
      const m = members[i % members.length];
      if (!m) break;
      const word = Math.floor(i / members.length) % 2 === 0 ? '出勤' : '退勤';
      await post([
        webhookEvents.message(m.groupId, word, {
          userId: m.userId,
          timestamp: Date.now(),
          replyToken: bench.line.state.issueReplyToken(m.groupId),
        }),
      ]);
    }
    await processing.drain();
    await new Promise((r) => setTimeout(r, 1_000));
    return [
      {
        path: 'clock command (出勤/退勤), member known',
        commands,
        capacityUnitsPerCommand: round(bench.proxy.capacityUnits() / commands, 2),
        requestsPerCommand: round(bench.proxy.total() / commands, 2),
        repliesPerCommand: round((bench.line.state.sent.length - sentBefore) / commands, 2),
      },
    ];
  } finally {
    await processing.stop();
  }
}
