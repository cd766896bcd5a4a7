import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import { LineApi } from '../../lambda/adapters/line/line-api';
import type { CouponDeps } from '../../lambda/app/manage-coupons';
import type { Log, MetricName, Telemetry } from '../../lambda/app/ports';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime, type WebhookHandler } from '../../lambda/runtime/webhook-runtime';
import { apiGatewayEvent } from '../../lib/local/api-gateway-event';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import type { EmulatorOptions } from '../../lib/local/line-emulator/state';
import { signature, webhookBody, type WebhookEvent } from '../../lib/local/simulator/webhook-events';
import { createTestTables, testDynamoDbEndpoint, type TableNames } from './dynamodb';

export const CHANNEL_SECRET = 'test-channel-secret';
export const CHANNEL_ACCESS_TOKEN = 'test-channel-access-token';

/** Log lines and metric counts, captured so tests can assert on what operators would see. */
export class Recorder implements Log, Telemetry {
  readonly lines: { level: string; message: string; extra: Record<string, unknown>[] }[] = [];
  readonly metrics = new Map<MetricName, number>();
  debug = (message: string, ...extra: Record<string, unknown>[]) =>
    this.lines.push({ level: 'debug', message, extra });
  info = (message: string, ...extra: Record<string, unknown>[]) =>
    this.lines.push({ level: 'info', message, extra });
  warn = (message: string, ...extra: Record<string, unknown>[]) =>
    this.lines.push({ level: 'warn', message, extra });
  error = (message: string, ...extra: Record<string, unknown>[]) =>
    this.lines.push({ level: 'error', message, extra });
  count = (name: MetricName, value = 1) => void this.metrics.set(name, (this.metrics.get(name) ?? 0) + value);
  metric = (name: MetricName) => this.metrics.get(name) ?? 0;
}

export interface Harness {
  tables: TableNames;
  registry: DynamoDbGroupRegistry;
  line: LineEmulator;
  recorder: Recorder;
  handler: WebhookHandler;
  /** The operators' side: coupons and settings in these tables, LINE = the emulator. */
  couponDeps: CouponDeps;
  documents: DynamoDBDocumentClient;
  /** Posts events as LINE does: one signed webhook. */
  post(
    events: WebhookEvent[],
    options?: { secret?: string; rawBody?: string | Buffer; headers?: Record<string, string> },
  ): Promise<APIGatewayProxyResult>;
  close(): Promise<void>;
}

/** The real webhook handler on fresh DynamoDB Local tables, talking HTTP to a fresh LINE emulator. */
export async function startHarness(
  env: Record<string, string> = {},
  emulator: Partial<EmulatorOptions> = {},
): Promise<Harness> {
  const db = await createTestTables();
  const line = await startLineEmulator({ channelAccessToken: CHANNEL_ACCESS_TOKEN, ...emulator });
  const recorder = new Recorder();
  const config = loadConfig({
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(db.tables),
    LINE_API_BASE_URL: line.url,
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    SETTINGS_CACHE_SECONDS: '0',
    ...env,
  });
  const handler = await createWebhookRuntime(config, { log: recorder, telemetry: recorder });
  const documents = DynamoDBDocumentClient.from(db.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const couponDeps: CouponDeps = {
    line: new LineApi({ channelAccessToken: CHANNEL_ACCESS_TOKEN, baseURL: line.url }),
    coupons: new DynamoDbCouponStore(documents, db.tables.coupons),
    settings: new DynamoDbSettingsStore(documents, db.tables.settings),
    now: () => new Date(),
  };
  const registry = new DynamoDbGroupRegistry({
    client: documents,
    tables: db.tables,
    eventRetentionDays: 90,
  });
  return {
    tables: db.tables,
    registry,
    line,
    recorder,
    handler,
    couponDeps,
    documents,
    post(events, options = {}) {
      const body = Buffer.from(options.rawBody ?? webhookBody(events));
      return handler(
        apiGatewayEvent({
          method: 'POST',
          path: '/webhook',
          headers: {
            'Content-Type': 'application/json',
            'X-Line-Signature': signature(body, options.secret ?? CHANNEL_SECRET),
            ...options.headers,
          },
          body,
        }),
      );
    },
    async close() {
      await line.close();
      await db.drop();
    },
  };
}
