import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { signedWebhookEvent } from '../local/api-gateway-event';
import {
  newGroupId,
  newUserId,
  webhookBody,
  webhookEvents,
  type WebhookEvent,
} from '../local/simulator/webhook-events';
import { BENCH_SECRET, type BenchEnvironment, quiet } from './environment';
import { percentile, round } from './stats';

export interface ReplyFigure {
  replies: number;
  receiptToReplyP50: number;
  receiptToReplyP99: number;
}

export async function intake(bench: BenchEnvironment) {
  const handler = await createWebhookRuntime(loadConfig(bench.env), quiet);
  return async (events: WebhookEvent[]) => {
    const body = Buffer.from(webhookBody(events));
    const res = await handler(signedWebhookEvent(body, BENCH_SECRET));
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
  };
}

/**
 * From the webhook's receipt to LINE receiving the welcome: the answer, the inbox stream (read as
 * Lambda reads it, every 100 ms when idle), the record, the reply. One join at a time.
 */
export async function benchReplyLatency(bench: BenchEnvironment, joins: number): Promise<ReplyFigure> {
  const post = await intake(bench);
  const processing = await bench.startProcessing();
  const times: number[] = [];
  try {
    for (let i = 0; i < joins; i++) {
      const groupId = newGroupId();
      const replied = bench.replyTo(groupId);
      const started = performance.now();
      await post([webhookEvents.join(groupId, { replyToken: bench.line.state.issueReplyToken(groupId) })]);
      await replied;
      times.push(performance.now() - started);
    }
  } finally {
    await processing.stop();
  }
  return {
    replies: joins,
    receiptToReplyP50: round(percentile(times, 50)),
    receiptToReplyP99: round(percentile(times, 99)),
  };
}

export interface CapacityFigure {
  path: string;
  messages: number;
  capacityUnitsPerMessage: number;
  readUnitsPerMessage: number;
  writeUnitsPerMessage: number;
  requestsPerMessage: number;
  /** The processor handler's time per message (what Lambda bills), on DynamoDB Local. */
  processorMsPerMessage: number;
  /** Messages per processor invocation (stream batch). */
  messagesPerInvocation: number;
}

const DAY = 86_400_000;

/**
 * DynamoDB capacity units per group message, end to end (the inbox write included), counted from
 * DynamoDB's own ConsumedCapacity. A routine message (a chat joined an hour ago) from a member
 * already seen that day; the first message of a known member that day; a member never seen
 * before (their first message: a member, a friendship check and a name read); one inside the
 * ejection window (recorded with an event record, in a transaction).
 */
export async function benchCapacity(bench: BenchEnvironment, messages: number): Promise<CapacityFigure[]> {
  const post = await intake(bench);
  const processing = await bench.startProcessing();
  try {
    const measure = async (
      path: string,
      options: { joinedAgoMs: number; member: 'seen today' | 'seen yesterday' | 'new' },
    ) => {
      const groupIds = Array.from({ length: 20 }, () => newGroupId());
      const members = groupIds.map(() => newUserId());
      const t = Date.now();
      for (const groupId of groupIds)
        await post([webhookEvents.join(groupId, { timestamp: t - options.joinedAgoMs })]);
      if (options.member !== 'new') {
        // Each chat's member spoke before: earlier today, or yesterday.
        const earlier = options.member === 'seen today' ? t - 1000 : t - DAY;
        for (const [i, groupId] of groupIds.entries())
          await post([
            webhookEvents.message(groupId, 'おはよう', { userId: members[i] ?? null, timestamp: earlier }),
          ]);
      }
      await processing.drain();
      bench.proxy.reset();
      processing.handlerTime();
      // A known member's first message of a day: one per chat (they spoke yesterday).
      const count = options.member === 'seen yesterday' ? groupIds.length : messages;
      for (let i = 0; i < count; i++) {
        const chat = i % groupIds.length;
        // New members each time, or the chat's own member.
        const userId = options.member === 'new' ? newUserId() : members[chat];
        const sentAt = t + i;
        await post([
          webhookEvents.message(groupIds[chat] ?? newGroupId(), 'こんにちは', {
            userId: userId ?? null,
            timestamp: sentAt,
          }),
        ]);
      }
      await processing.drain();
      const time = processing.handlerTime();
      const units = bench.proxy.capacityUnits();
      const reads = bench.proxy.readUnits();
      const figure: CapacityFigure = {
        path,
        messages: count,
        capacityUnitsPerMessage: round(units / count, 2),
        readUnitsPerMessage: round(reads / count, 2),
        writeUnitsPerMessage: round((units - reads) / count, 2),
        // Stream reads (GetRecords) are not capacity; counted here as requests only.
        requestsPerMessage: round(bench.proxy.total() / count, 2),
        processorMsPerMessage: round(time.ms / Math.max(1, time.records), 2),
        messagesPerInvocation: round(time.records / Math.max(1, time.invocations), 1),
      };
      return figure;
    };
    return [
      await measure('routine, from a member seen that day', { joinedAgoMs: 3_600_000, member: 'seen today' }),
      await measure("routine, a known member's first message of the day (and later ones)", {
        joinedAgoMs: 3_600_000,
        member: 'seen yesterday',
      }),
      await measure('a member never seen before', { joinedAgoMs: 3_600_000, member: 'new' }),
      await measure('inside the ejection window (recorded)', { joinedAgoMs: 0, member: 'seen today' }),
    ];
  } finally {
    await processing.stop();
  }
}
