import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { signedWebhookEvent } from '../local/api-gateway-event';
import { webhookBody, webhookEvents, type WebhookEvent } from '../local/simulator/webhook-events';
import { BENCH_SECRET, type BenchEnvironment, quiet } from './environment';
import { percentile, pick, round, timed } from './stats';

export interface AcknowledgementFigure {
  events: number;
  lineSlowedTo5s: boolean;
  ackP50: number;
  ackP99: number;
  rawP50: number;
  rawP99: number;
  ratioP50: number;
  /** DynamoDB requests per webhook (the intake's own; unset when the processor runs alongside). */
  writesPerWebhook?: number;
}

/**
 * The webhook's answer (signature, parsing, the inbox write) on message events, next to the same
 * write done raw (one PutItem for one chat; BatchWriteItem, 25 items a request in parallel, for
 * more), on the same DynamoDB Local. With `slowLine`, LINE answers every call after 5 s and the
 * processor runs meanwhile: the answer must not notice.
 */
export async function benchAcknowledgement(
  bench: BenchEnvironment,
  groupIds: string[],
  size: number,
  runs: number,
  slowLine = false,
): Promise<AcknowledgementFigure> {
  const handler = await createWebhookRuntime(loadConfig(bench.env), quiet);
  // The raw writes take the same way to DynamoDB Local as the webhook's (through the counting proxy).
  const documents = documentClient({ dynamoDbEndpoint: bench.env.DYNAMODB_ENDPOINT });
  const processing = slowLine ? await bench.startProcessing() : undefined;
  if (slowLine) bench.line.state.faults.push({ match: '/v2/bot/', delayMs: 5000, count: 1_000_000 });
  const body = () => {
    const t = Date.now();
    const events: WebhookEvent[] = Array.from({ length: size }, (_, i) =>
      slowLine
        ? webhookEvents.join(pick(groupIds), { timestamp: t + i })
        : webhookEvents.message(pick(groupIds), 'こんにちは', { timestamp: t + i }),
    );
    return Buffer.from(webhookBody(events));
  };
  const request = (raw: Buffer) => signedWebhookEvent(raw, BENCH_SECRET);
  try {
    for (let i = 0; i < 5; i++) await handler(request(body())); // warm the JIT and the connections
    const rawWrite = () => {
      const items = (JSON.parse(body().toString()) as { events: WebhookEvent[] }).events.map((e) => ({
        groupId: pick(groupIds),
        inboxKey: `${new Date().toISOString()}#${e.webhookEventId}`,
        events: [e],
      }));
      return () =>
        items.length === 1
          ? documents.send(new PutCommand({ TableName: bench.tables.inbox, Item: items[0] }))
          : Promise.all(
              Array.from({ length: Math.ceil(items.length / 25) }, (_, c) =>
                documents.send(
                  new BatchWriteCommand({
                    RequestItems: {
                      [bench.tables.inbox]: items
                        .slice(c * 25, c * 25 + 25)
                        .map((Item) => ({ PutRequest: { Item } })),
                    },
                  }),
                ),
              ),
            );
    };
    // Interleaved, so both see the same warm-up, garbage collection and DynamoDB Local state;
    // the requests are built and signed before the clock starts.
    const ackTimes: number[] = [];
    const rawTimes: number[] = [];
    let ackRequests = 0;
    for (let i = 0; i < runs; i++) {
      const signed = request(body());
      const before = bench.proxy.total();
      const [res, ms] = await timed(() => handler(signed));
      if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
      ackRequests += bench.proxy.total() - before;
      ackTimes.push(ms);
      const write = rawWrite();
      rawTimes.push((await timed<unknown>(write))[1]);
    }
    const writesPerWebhook = ackRequests / runs;
    const ackP50 = percentile(ackTimes, 50);
    const rawP50 = percentile(rawTimes, 50);
    return {
      events: size,
      lineSlowedTo5s: slowLine,
      ackP50: round(ackP50),
      ackP99: round(percentile(ackTimes, 99)),
      rawP50: round(rawP50),
      rawP99: round(percentile(rawTimes, 99)),
      ratioP50: round(ackP50 / rawP50, 2),
      ...(!slowLine && { writesPerWebhook: round(writesPerWebhook, 2) }),
    };
  } finally {
    bench.line.state.faults.length = 0;
    await processing?.stop();
  }
}
