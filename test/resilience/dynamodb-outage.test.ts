import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../../lambda/adapters/dynamodb/create-tables';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import {
  environmentFor,
  groupsTable,
  tableDefinitions,
  tableNamesFrom,
  tableRoles,
} from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import { processStream } from '../../lambda/runtime/process-stream';
import { createProcessorRuntime } from '../../lambda/runtime/processor-runtime';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { eventsCommand } from '../../lib/cli/events';
import { signedWebhookEvent } from '../../lib/local/api-gateway-event';
import { localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { freePort } from '../../lib/local/ports';
import { handleSweepEvent } from '../../lambda/runtime/sweep-event';
import { startLocalProcessing } from '../../lib/local/processing';
import {
  asRedelivery,
  newGroupId,
  webhookBody,
  webhookEvents,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, Recorder, startHarness } from '../support/webhook-harness';

describe('DynamoDB stops after events were accepted', () => {
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

  it('accepted events are applied exactly once after DynamoDB comes back; what came while it was down is answered 500 and applied once redelivered', async () => {
    const recorder = new Recorder();
    const config = loadConfig({
      DYNAMODB_ENDPOINT: db.endpoint,
      ...environmentFor(tables),
      LINE_API_BASE_URL: line.url,
      LINE_CHANNEL_SECRET: CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
      SETTINGS_CACHE_SECONDS: '0',
    });
    const observe = { log: recorder, telemetry: recorder };
    const intake = await createWebhookRuntime(config, observe);
    const runtime = await createProcessorRuntime(config, observe);
    const processing = await startLocalProcessing({
      endpoint: db.endpoint,
      inboxTable: tables.inbox,
      handler: (event) => processStream(event, runtime.processing),
      sweep: async () => undefined,
      sweepIntervalMs: 3_600_000,
      inboxSweeper: (event) => handleSweepEvent(event, runtime.sweep),
      retryBaseMs: 50,
    });
    const post = async (events: WebhookEvent[]) => {
      const body = Buffer.from(webhookBody(events));
      const request = signedWebhookEvent(body, CHANNEL_SECRET);
      return (await intake(request)).statusCode;
    };

    const t = Date.now();
    const groupIds = Array.from({ length: 15 }, () => newGroupId());
    const webhooks = groupIds.map((groupId, i) => [
      webhookEvents.join(groupId, { timestamp: t + i }),
      webhookEvents.message(groupId, 'hi', { timestamp: t + i + 1 }),
    ]);
    await processing.pause(); // accepted, not yet processed
    const accepted = await Promise.all(webhooks.slice(0, 10).map(post));
    expect(accepted).toEqual(Array(10).fill(200));

    await db.stop();
    const refused = await Promise.all(webhooks.slice(10).map(post));
    expect(refused).toEqual(Array(5).fill(500)); // nothing could be stored: LINE may redeliver
    expect(recorder.metric('webhookErrors')).toBe(5);
    processing.resume(); // reads fail while DynamoDB is down, and are retried

    await new Promise((r) => setTimeout(r, 1500));
    db = await startDynamoDbLocal({ port, dbPath: dir });
    // LINE redelivers the refused ones; one accepted webhook is redelivered too, which changes nothing.
    for (const events of [...webhooks.slice(10), webhooks[0]!])
      expect(await post(asRedelivery(events))).toBe(200);
    await processing.drain();
    await processing.stop();

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
    expect(recorder.metric('eventsDeadLettered')).toBe(0);
  }, 120_000);
});

describe('a processing failure after intake', () => {
  it('after its retries the event is a dead letter (counted for the alarm), listed with its reason, and a replay applies it once', async () => {
    const h = await startHarness();
    try {
      const dynamo = localDynamoDbClient(testDynamoDbEndpoint());
      // The fault: the groups table is gone, so every attempt to record fails.
      await dynamo.send(new DeleteTableCommand({ TableName: h.tables.groups }));
      const groupId = newGroupId();
      const join = webhookEvents.join(groupId, { replyToken: h.line.state.issueReplyToken(groupId) });
      expect((await h.post([join])).statusCode).toBe(200);

      expect(h.recorder.metric('processingFailures')).toBe(3);
      expect(h.recorder.metric('eventsDeadLettered')).toBe(1);
      expect(
        h.recorder.lines.find((l) => l.level === 'error' && l.message.startsWith('events dead-lettered'))
          ?.extra[0],
      ).toMatchObject({
        groupId,
        reason: expect.stringContaining('ResourceNotFoundException') as string,
      });

      const cli = async (...argv: string[]) => {
        const out: string[] = [];
        const code = await eventsCommand([...argv, '--json'], (text) => out.push(text), {
          DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
          LINE_API_BASE_URL: h.line.url,
          LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
          ...environmentFor(h.tables),
        });
        return { code, json: JSON.parse(out.join('\n')) as unknown };
      };
      const failed = await cli('failed');
      expect(failed.json).toEqual([
        expect.objectContaining({
          groupId,
          attempts: 3,
          lastError: expect.stringContaining('ResourceNotFoundException') as string,
          events: [expect.objectContaining({ type: 'join', webhookEventId: join.webhookEventId })],
        }),
      ]);

      await ensureTable(dynamo, h.tables.groups, groupsTable);
      expect(await cli('replay')).toEqual({ code: 0, json: { replayed: 1, failed: [] } });
      expect((await h.registry.load(groupId))?.group).toMatchObject({ status: 'active', joinCount: 1 });
      // The reply token was still good: the welcome went out, once.
      expect(h.line.state.sent.filter((s) => s.to === groupId)).toHaveLength(1);
      expect((await cli('failed')).json).toEqual([]);
      // A second replay finds nothing, and the event is recorded once.
      expect(await cli('replay')).toEqual({ code: 0, json: { replayed: 0, failed: [] } });
      expect(await h.registry.recentEvents(groupId)).toHaveLength(1);
      dynamo.destroy();
    } finally {
      await h.close();
    }
  }, 60_000);
});
