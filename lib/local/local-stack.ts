import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureTable } from '../../lambda/adapters/dynamodb/create-tables';
import { tableDefinitions, tableRoles, type TableRole } from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import {
  assertPortFree,
  localDynamoDbClient,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from './dynamodb-local';
import { localDefaults } from './defaults';
import { conversationLines, describeEvent } from './line-emulator/conversation';
import { startLineEmulator, type LineEmulator } from './line-emulator/server';
import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { channelCredentials } from '../../lambda/runtime/secrets';
import { audienceApiFor, lineApiFor } from '../../lambda/runtime/line-client';
import { consoleDeps } from '../console/deps';
import { consoleAuthFrom } from '../console/auth/config';
import { startConsole } from '../console/server';
import { startLocalProcessing, type LocalProcessing } from './processing';
import { startWebhookServer, type WebhookServer } from './webhook-server';

export interface LocalStackOptions {
  env: NodeJS.ProcessEnv;
  /** Keep DynamoDB Local's data under .local/ between runs. */
  persist: boolean;
  print: (line: string) => void;
}

export interface LocalStack {
  webhookUrl: string;
  dynamoDbEndpoint: string;
  lineApiBaseUrl: string;
  tables: Record<TableRole, string>;
  channelSecret: string;
  processing: LocalProcessing;
  consoleUrl: string;
  stop(): Promise<void>;
}

/**
 * `npm start`: DynamoDB Local (unless DYNAMODB_ENDPOINT is set), the LINE emulator (unless
 * LINE_API_BASE_URL is set) and the webhook server running the Lambda's own handler, all on
 * loopback. The handler reads its configuration from process.env, as it does on Lambda.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { env, print } = options;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    env.LINE_CHANNEL_SECRET ||= localDefaults.channelSecret;
    // With a channel id the bot issues its own tokens: no long-lived token is set at all.
    if (!env.LINE_CHANNEL_ID) env.LINE_CHANNEL_ACCESS_TOKEN ||= localDefaults.channelAccessToken;

    let dynamoDb: DynamoDbLocal | undefined;
    if (!env.DYNAMODB_ENDPOINT) {
      const dbPath = options.persist ? resolve(localDefaults.persistDir) : undefined;
      if (dbPath) mkdirSync(dbPath, { recursive: true });
      const port = Number(env.DYNAMODB_LOCAL_PORT || localDefaults.dynamoDbPort);
      const started = await startDynamoDbLocal({ port, ...(dbPath && { dbPath }) });
      stops.push(() => started.stop());
      dynamoDb = started;
      env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
    }

    let emulator: LineEmulator | undefined;
    if (!env.LINE_API_BASE_URL) {
      const emulatorPort = Number(env.LINE_EMULATOR_PORT || localDefaults.lineEmulatorPort);
      await assertPortFree(emulatorPort, '127.0.0.1', 'LINE_EMULATOR_PORT', 'the LINE emulator');
      const started = await startLineEmulator({
        port: emulatorPort,
        ...(env.LINE_CHANNEL_ID
          ? { channelId: env.LINE_CHANNEL_ID, channelSecret: env.LINE_CHANNEL_SECRET }
          : { channelAccessToken: env.LINE_CHANNEL_ACCESS_TOKEN }),
        audiences: { readySeconds: Number(env.AUDIENCE_READY_SECONDS || 5) },
        onSent: (sent) => conversationLines(sent, started.state.chats.get(sent.to)?.groupName).forEach(print),
      });
      stops.push(() => started.close());
      emulator = started;
      env.LINE_API_BASE_URL = started.url;
    }

    const config = loadConfig(env);
    const client = localDynamoDbClient(env.DYNAMODB_ENDPOINT);
    for (const role of tableRoles) {
      await ensureTable(client, config.tables[role], tableDefinitions[role]);
    }
    client.destroy();

    // Imported only now: the handlers read process.env on their first call, as they do on Lambda.
    const { handler } = await import('../../lambda/handlers/webhook');
    const processor = await import('../../lambda/handlers/inbox-processor');
    const enricher = await import('../../lambda/handlers/group-enricher');
    const sweeper = await import('../../lambda/handlers/inbox-sweeper');
    const { logger } = await import('../../lambda/runtime/observability');
    const processing = await startLocalProcessing({
      endpoint: env.DYNAMODB_ENDPOINT,
      inboxTable: config.tables.inbox,
      handler: (event) => processor.handler(event),
      sweep: () => enricher.handler(),
      sweepIntervalMs: config.enrichment.retryBaseMs,
      inboxSweeper: (event) => sweeper.handler(event),
      inboxSweepIntervalMs: 60_000,
      log: (line) => logger.warn(line),
    });
    stops.push(() => processing.stop());

    const webhookPort = Number(env.PORT || localDefaults.webhookPort);
    await assertPortFree(webhookPort, '127.0.0.1', 'PORT', 'the webhook server');
    const webhook: WebhookServer = await startWebhookServer((event) => handler(event), {
      port: webhookPort,
      // The simulator waits here until what it sent was processed (local only; not on AWS).
      drain: () => processing.drain(),
      // The members' side of the conversation; the emulator prints the bot's.
      onBody: (body) => {
        try {
          const { events } = JSON.parse(body.toString('utf8')) as { events?: Record<string, unknown>[] };
          for (const event of events ?? []) print(describeEvent(event));
        } catch {
          // Not JSON: the handler answers 400 (or 401) and logs it.
        }
      },
    });
    stops.push(() => webhook.close());

    const consolePort = Number(env.CONSOLE_PORT || localDefaults.consolePort);
    const operatorConsole = await startConsole(
      consoleDeps({
        client: documentClient(config),
        tables: config.tables,
        line: lineApiFor(await channelCredentials(config), env.LINE_API_BASE_URL),
        audienceLine: audienceApiFor(await channelCredentials(config), env.LINE_API_BASE_URL),
        log: (line) => print(line),
      }),
      consolePort,
      consoleAuthFrom(env),
      env,
    );
    stops.push(() => operatorConsole.close());

    print('line-groups is running on this machine:');
    print(`  webhook         POST ${webhook.url}  (stores the events, answers 200)`);
    print(`  console         ${operatorConsole.url}  (operators: groups, ejections, coupons, campaigns)`);
    print(`  processor       the inbox table's stream, read as Lambda reads it (${config.tables.inbox})`);
    print(
      `  DynamoDB        ${env.DYNAMODB_ENDPOINT}${dynamoDb ? (options.persist ? ` (DynamoDB Local, data in ${localDefaults.persistDir}/)` : ' (DynamoDB Local, in memory)') : ''}`,
    );
    if (dynamoDb) {
      print(
        `                  DynamoDB Local has no bind option: it listens on every interface (port ${dynamoDb.port}), telemetry off`,
      );
    }
    print('  (the webhook server, the console and the LINE emulator listen on 127.0.0.1 only)');
    print(`  tables          ${Object.values(config.tables).join(', ')}`);
    print(
      `  LINE API        ${env.LINE_API_BASE_URL}${emulator ? ' (LINE platform emulator; messages at /emulator/messages)' : ''}`,
    );
    print(
      `  channel secret  ${env.LINE_CHANNEL_SECRET === localDefaults.channelSecret ? `${localDefaults.channelSecret} (dev default)` : '(from LINE_CHANNEL_SECRET)'}`,
    );
    print(
      `  access token    ${env.LINE_CHANNEL_ID ? `issued by LINE for channel ${env.LINE_CHANNEL_ID} (stateless, 15 min each)` : env.LINE_CHANNEL_ACCESS_TOKEN === localDefaults.channelAccessToken ? `${localDefaults.channelAccessToken} (dev default)` : '(from LINE_CHANNEL_ACCESS_TOKEN)'}`,
    );
    print('Try, in another terminal:  npm run simulate -- join   |   npm run groups -- list --status active');
    print('Ctrl-C stops everything.');

    return {
      webhookUrl: webhook.url,
      dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
      lineApiBaseUrl: env.LINE_API_BASE_URL,
      tables: config.tables,
      channelSecret: env.LINE_CHANNEL_SECRET,
      processing,
      consoleUrl: operatorConsole.url,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
