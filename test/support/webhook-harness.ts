import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import { LineApi } from '../../lambda/adapters/line/line-api';
import { enrichDueGroups } from '../../lambda/app/enrich-groups';
import { readPeopleDue } from '../../lambda/app/members/read-people';
import type { Log, MetricName, Telemetry } from '../../lambda/app/ports';
import { type Config, loadConfig } from '../../lambda/config';
import { processStream } from '../../lambda/runtime/process-stream';
import { handleSweepEvent } from '../../lambda/runtime/sweep-event';
import { createProcessorRuntime, type ProcessorRuntime } from '../../lambda/runtime/processor-runtime';
import { createWebhookRuntime, type WebhookHandler } from '../../lambda/runtime/webhook-runtime';
import { apiGatewayEvent } from '../../lib/local/api-gateway-event';
import { startLocalProcessing, type LocalProcessing } from '../../lib/local/processing';
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

/** The operators' side of coupons, on the concrete adapters (settings also hold the templates). */
export interface CouponAdapters {
  line: LineApi;
  coupons: DynamoDbCouponStore;
  settings: DynamoDbSettingsStore;
  now: () => Date;
}

export interface PostOptions {
  secret?: string;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Wait for the processor to apply what was accepted (default true). */
  settle?: boolean;
}

export interface Harness {
  /** What a CLI or a handler needs in its environment to use this harness's tables and emulator. */
  cliEnv: Record<string, string>;
  config: Config;
  tables: TableNames;
  registry: DynamoDbGroupRegistry;
  line: LineEmulator;
  recorder: Recorder;
  /** The webhook (intake) as API Gateway calls it. */
  handler: WebhookHandler;
  /** The processor and the enricher, wired as their Lambdas are. */
  runtime: ProcessorRuntime;
  /** The inbox stream, read as Lambda's event source mapping reads it. */
  processing: LocalProcessing;
  /** The operators' side: coupons and settings in these tables, LINE = the emulator. */
  couponDeps: CouponAdapters;
  documents: DynamoDBDocumentClient;
  /** Posts events as LINE does (one signed webhook), then waits until they are processed. */
  post(events: WebhookEvent[], options?: PostOptions): Promise<APIGatewayProxyResult>;
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
  const cliEnv = {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(db.tables),
    LINE_API_BASE_URL: line.url,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
  };
  const config = loadConfig({
    ...cliEnv,
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    SETTINGS_CACHE_SECONDS: '0',
    ...env,
  });
  const observe = { log: recorder, telemetry: recorder };
  const handler = await createWebhookRuntime(config, observe);
  const runtime = await createProcessorRuntime(config, observe);
  const processing = await startLocalProcessing({
    endpoint: testDynamoDbEndpoint(),
    inboxTable: db.tables.inbox,
    handler: (event) => processStream(event, runtime.processing),
    sweep: () =>
      Promise.all([
        enrichDueGroups(config.enrichmentTimeoutMs, runtime.enrichment),
        readPeopleDue(runtime.processing.people),
      ]),
    sweepIntervalMs: 3_600_000, // tests sweep when they mean to
    inboxSweeper: (event) => handleSweepEvent(event, runtime.sweep),
    inboxSweepIntervalMs: 3_600_000,
    // A transient failure (a loaded machine) is retried for ~10 s before the batch is given up.
    maxRetryAttempts: 8,
    retryBaseMs: 20,
  });
  const documents = DynamoDBDocumentClient.from(db.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const couponDeps: CouponAdapters = {
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
    cliEnv,
    config,
    tables: db.tables,
    registry,
    line,
    recorder,
    handler,
    runtime,
    processing,
    couponDeps,
    documents,
    async post(events, options = {}) {
      const body = Buffer.from(options.rawBody ?? webhookBody(events));
      const response = await handler(
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
      if (options.settle !== false) await processing.drain();
      return response;
    },
    async close() {
      await processing.stop();
      await line.close();
      await db.drop();
    },
  };
}
