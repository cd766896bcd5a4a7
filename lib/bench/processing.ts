import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { signedWebhookEvent } from '../local/api-gateway-event';
import { newGroupId, webhookBody, webhookEvents, type WebhookEvent } from '../local/simulator/webhook-events';
import { BENCH_SECRET, type BenchEnvironment, quiet } from './environment';
import { percentile, round } from './stats';

export interface ReplyFigure {
  replies: number;
  receiptToReplyP50: number;
  receiptToReplyP99: number;
}

export interface CapacityFigure {
  path: string;
  messages: number;
  capacityUnitsPerMessage: number;
  requestsPerMessage: number;
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

/**
 * DynamoDB capacity units per group message, end to end (the inbox write included), counted from
 * DynamoDB's own ConsumedCapacity: a routine message (joined long ago) and one inside the
 * ejection window (recorded with an event record, in a transaction).
 */
export async function benchCapacity(bench: BenchEnvironment, messages: number): Promise<CapacityFigure[]> {
  const post = await intake(bench);
  const processing = await bench.startProcessing();
  try {
    const measure = async (path: string, joinedAgoMs: number) => {
      const groupIds = Array.from({ length: 20 }, () => newGroupId());
      const t = Date.now();
      for (const groupId of groupIds)
        await post([webhookEvents.join(groupId, { timestamp: t - joinedAgoMs })]);
      await processing.drain();
      bench.proxy.reset();
      for (let i = 0; i < messages; i++) {
        const groupId = groupIds[i % groupIds.length] ?? newGroupId();
        await post([webhookEvents.message(groupId, 'こんにちは', { timestamp: t + i })]);
      }
      await processing.drain();
      const figure: CapacityFigure = {
        path,
        messages,
        capacityUnitsPerMessage: round(bench.proxy.capacityUnits() / messages, 2),
        // Stream reads (GetRecords) are not capacity; counted here as requests only.
        requestsPerMessage: round(bench.proxy.total() / messages, 2),
      };
      return figure;
    };
    return [
      await measure('routine (joined an hour ago)', 3_600_000),
      await measure('inside the ejection window (recorded)', 0),
    ];
  } finally {
    await processing.stop();
  }
}
