import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { apiGatewayEvent } from '../local/api-gateway-event';
import { signature, webhookBody, webhookEvents } from '../local/simulator/webhook-events';
import { BENCH_SECRET, type BenchEnvironment } from './environment';
import { percentile, pick, round, timed } from './stats';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const noMetrics = { count() {} };

export interface LatencyFigure {
  events: number;
  handlerP50: number;
  handlerP99: number;
  rawP50: number;
  rawP99: number;
  ratioP50: number;
  roundTripsPerEvent: number;
}

/**
 * The real handler (signature, parsing, registry transaction) on message events for known
 * groups, next to one plain UpdateItem per event on the same DynamoDB Local.
 */
export async function benchWebhookLatency(
  bench: BenchEnvironment,
  groupIds: string[],
  size: number,
  runs: number,
): Promise<LatencyFigure> {
  const handler = await createWebhookRuntime(loadConfig(bench.env), { log: quiet, telemetry: noMetrics });
  const request = () => {
    const t = Date.now();
    const events = Array.from({ length: size }, (_, i) =>
      webhookEvents.message(pick(groupIds), 'こんにちは', {
        timestamp: t + i,
      }),
    );
    const body = Buffer.from(webhookBody(events));
    return apiGatewayEvent({
      method: 'POST',
      path: '/webhook',
      headers: { 'x-line-signature': signature(body, BENCH_SECRET) },
      body,
    });
  };
  for (let i = 0; i < 5; i++) await handler(request()); // warm the JIT and the connections

  bench.proxy.reset();
  const handlerTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [res, ms] = await timed(() => handler(request()));
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
    handlerTimes.push(ms);
  }
  const roundTripsPerEvent = bench.proxy.total() / (runs * size);

  const rawTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [, ms] = await timed(() =>
      Promise.all(
        Array.from({ length: size }, () =>
          bench.documents.send(
            new UpdateCommand({
              TableName: bench.tables.groups,
              Key: { groupId: pick(groupIds) },
              UpdateExpression: 'SET lastActivityAt = :t',
              ExpressionAttributeValues: { ':t': new Date().toISOString() },
            }),
          ),
        ),
      ),
    );
    rawTimes.push(ms);
  }
  const handlerP50 = percentile(handlerTimes, 50);
  const rawP50 = percentile(rawTimes, 50);
  return {
    events: size,
    handlerP50: round(handlerP50),
    handlerP99: round(percentile(handlerTimes, 99)),
    rawP50: round(rawP50),
    rawP99: round(percentile(rawTimes, 99)),
    ratioP50: round(handlerP50 / rawP50, 2),
    roundTripsPerEvent: round(roundTripsPerEvent, 2),
  };
}
