import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { freePort } from '../local/ports';
import { sendWebhook } from '../local/simulator/client';
import {
  asRedelivery,
  newGroupId,
  newUserId,
  webhookEvents,
  type WebhookEvent,
} from '../local/simulator/webhook-events';
import { startWebhookServer } from '../local/webhook-server';
import { BENCH_SECRET, type BenchEnvironment } from './environment';
import { pick, round } from './stats';

export interface ThroughputFigure {
  concurrency: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  /** How long the processor still needed after the last answer. */
  processedWithinSeconds: number;
  errors: number;
  eventsSent: number;
  eventsRecorded: number;
  lost: number;
  duplicated: number;
}

/**
 * Signed webhooks over real HTTP to the local webhook server from `concurrency` clients for
 * `seconds`, with the processor reading the inbox stream meanwhile; one in ten is a redelivery
 * of an earlier one. Afterwards every event must be in the events table exactly once.
 */
export async function benchThroughput(
  bench: BenchEnvironment,
  concurrency: number,
  seconds: number,
): Promise<ThroughputFigure> {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  // Uncounted (past the counting proxy), like the processor below: this run counts events.
  const handler = await createWebhookRuntime(
    loadConfig({ ...bench.env, DYNAMODB_ENDPOINT: bench.dynamoDbEndpoint }),
    {
      log: quiet,
      telemetry: { count() {} },
    },
  );
  const processing = await bench.startProcessing({ uncounted: true });
  const server = await startWebhookServer(handler, { port: await freePort() });
  const groups = Array.from({ length: 200 }, () => newGroupId());
  // Each chat's ten members do the talking, as in a real group.
  const members = new Map(groups.map((g) => [g, Array.from({ length: 10 }, () => newUserId())]));
  const sent: WebhookEvent[][] = [];
  const unique = new Set<string>();
  let requests = 0;
  let errors = 0;
  const deadline = Date.now() + seconds * 1000;
  const client = async () => {
    while (Date.now() < deadline) {
      const redeliver = sent.length > 0 && Math.random() < 0.1;
      const events = redeliver
        ? asRedelivery(pick(sent))
        : (() => {
            const groupId = pick(groups);
            return [
              webhookEvents.message(groupId, 'bench', {
                timestamp: Date.now(),
                userId: pick(members.get(groupId) ?? [newUserId()]),
              }),
            ];
          })();
      const { status } = await sendWebhook(server.url, BENCH_SECRET, events);
      requests += 1;
      if (status !== 200) errors += 1;
      else if (!redeliver) {
        sent.push(events);
        for (const e of events) unique.add(e.webhookEventId);
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (Date.now() - started) / 1000;
  await server.close();
  // Everything accepted is applied afterwards: wait for the processor, then count.
  const drainStarted = Date.now();
  await processing.drain();
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  await processing.stop();

  const recorded: string[] = [];
  const pages = paginateScan(
    { client: bench.documents },
    { TableName: bench.tables.groupEvents, ProjectionExpression: 'webhookEventId' },
  );
  for await (const page of pages) recorded.push(...(page.Items ?? []).map((i) => String(i.webhookEventId)));
  const ours = recorded.filter((id) => unique.has(id));
  return {
    concurrency,
    seconds: round(elapsed),
    requests,
    requestsPerSecond: round(requests / elapsed),
    processedWithinSeconds: round(drainSeconds),
    errors,
    eventsSent: unique.size,
    eventsRecorded: new Set(ours).size,
    lost: [...unique].filter((id) => !ours.includes(id)).length,
    duplicated: ours.length - new Set(ours).size,
  };
}
