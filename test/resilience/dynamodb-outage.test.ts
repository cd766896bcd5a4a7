import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../../lambda/adapters/dynamodb/create-tables';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import {
  environmentFor,
  tableDefinitions,
  tableNamesFrom,
  tableRoles,
} from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { apiGatewayEvent } from '../../lib/local/api-gateway-event';
import { localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { freePort } from '../../lib/local/ports';
import {
  asRedelivery,
  newGroupId,
  signature,
  webhookBody,
  webhookEvents,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, Recorder } from '../support/webhook-harness';

// A DynamoDB Local of its own, on disk, so it can be stopped mid-run and restarted with its data.
let db: DynamoDbLocal;
let line: LineEmulator;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'ddb-outage-'));
const tables = tableNamesFrom({});

beforeAll(async () => {
  port = await freePort();
  db = await startDynamoDbLocal({ port, dbPath: dir });
  const client = localDynamoDbClient(db.endpoint);
  for (const role of tableRoles) await ensureTable(client, tables[role], tableDefinitions[role]);
  client.destroy();
  line = await startLineEmulator({ channelAccessToken: CHANNEL_ACCESS_TOKEN });
}, 60_000);
afterAll(async () => {
  await db.stop();
  await line.close();
  rmSync(dir, { recursive: true, force: true });
});

it("DynamoDB stops mid-run: webhooks answer 500; after restart LINE's redeliveries complete the work, nothing lost or duplicated", async () => {
  const recorder = new Recorder();
  const handler = await createWebhookRuntime(
    loadConfig({
      DYNAMODB_ENDPOINT: db.endpoint,
      ...environmentFor(tables),
      LINE_API_BASE_URL: line.url,
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
      SETTINGS_CACHE_SECONDS: '0',
    }),
    { log: recorder, telemetry: recorder },
  );
  const post = async (events: WebhookEvent[]) => {
    const body = Buffer.from(webhookBody(events));
    return (
      await handler(
        apiGatewayEvent({
          method: 'POST',
          path: '/webhook',
          headers: { 'x-line-signature': signature(body, CHANNEL_SECRET) },
          body,
        }),
      )
    ).statusCode;
  };

  const t = Date.now();
  const groupIds = Array.from({ length: 30 }, () => newGroupId());
  const webhooks = groupIds.map((groupId, i) => [
    webhookEvents.join(groupId, { timestamp: t + i }),
    webhookEvents.message(groupId, 'hi', { timestamp: t + i + 1 }),
  ]);
  const statuses: number[] = [];
  for (const [i, events] of webhooks.entries()) {
    if (i === 10) await db.stop();
    statuses.push(await post(events));
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
  expect(statuses.slice(10)).toEqual(Array(20).fill(500));

  db = await startDynamoDbLocal({ port, dbPath: dir });
  // LINE redelivers what failed; we also redeliver what succeeded, which must change nothing.
  for (const events of webhooks) expect(await post(asRedelivery(events))).toBe(200);

  const registry = new DynamoDbGroupRegistry({
    client: DynamoDBDocumentClient.from(localDynamoDbClient(db.endpoint)),
    tables,
    eventRetentionDays: 90,
  });
  for (const groupId of groupIds) {
    expect((await registry.load(groupId))?.group).toMatchObject({ status: 'active', joinCount: 1 });
    expect((await registry.recentEvents(groupId)).map((e) => e.eventType).sort()).toEqual([
      'join',
      'message',
    ]);
  }
}, 120_000);
