import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  DEFAULT_REQUEST_BUDGET,
  documentClient,
  type RequestBudget,
} from '../adapters/dynamodb/document-client';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { DynamoDbSettingsStore } from '../adapters/dynamodb/settings-store';
import type { WordsThatMatter } from '../domain/kept-text';
import { acceptChatEvents } from '../app/accept-events';
import type { Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import { handleWebhookRequest } from '../webhook/handle-request';
import { credentialsSourceFor, refreshingChannelSecret, type CredentialsSource } from './secrets';

/** How long a container keeps the operator's keywords: a new keyword takes effect within a minute. */
const WORDS_CACHE_MS = 60_000;

/**
 * The words that make a text worth keeping, read at most once a minute. When they cannot be read
 * every text is kept (the webhook must store events whatever happens to the settings).
 */
function cachedWords(
  read: () => Promise<WordsThatMatter>,
  ttlMs: number,
  log: Log,
): () => Promise<WordsThatMatter | undefined> {
  let cached: { at: number; words: WordsThatMatter } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.words;
    try {
      cached = { at: Date.now(), words: await read() };
      return cached.words;
    } catch (error) {
      log.warn('operator keywords unreadable; keeping every message text this time', {
        error: (error as Error).message,
      });
      return cached?.words;
    }
  };
}

export type WebhookHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** How long the webhook may take before it answers 500, and what each DynamoDB request gets. */
export interface WebhookTimeLimits {
  answerWithinMs: number;
  dynamoDb: RequestBudget;
}

/**
 * LINE gives up after 2 s: 1.5 s leaves room for API Gateway and the way from LINE and back.
 * DynamoDB answers in milliseconds, so a write unanswered after a second has hung, and a second
 * try (on a new connection) gets what is left of the time.
 */
export const WEBHOOK_LIMITS_ON_AWS: WebhookTimeLimits = {
  answerWithinMs: 1_500,
  dynamoDb: { requestTimeoutMs: 1_000, maxAttempts: 2 },
};

/**
 * With DYNAMODB_ENDPOINT (DynamoDB Local in npm start and the tests: a JVM on SQLite, many times
 * slower than DynamoDB and shared by a whole test run) no LINE is waiting: the webhook waits as
 * long as the other functions do.
 */
export const WEBHOOK_LIMITS_LOCAL: WebhookTimeLimits = {
  answerWithinMs: 20_000,
  dynamoDb: DEFAULT_REQUEST_BUDGET,
};

export interface WebhookRuntimeOptions {
  /** Where the channel secret is read (default: the environment, or Secrets Manager on AWS). */
  credentials?: CredentialsSource;
  /** The clock the secret's re-reads are timed by. */
  now?: () => number;
}

/**
 * Wires the webhook (intake) from config: the composition root shared by Lambda and the local
 * server. It needs the channel secret and the inbox, nothing else: no LINE client, no registry.
 * The secret is read on the first request and again as it ages or signatures fail.
 */
export async function createWebhookRuntime(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
  options: WebhookRuntimeOptions = {},
): Promise<WebhookHandler> {
  const limits = config.dynamoDbEndpoint ? WEBHOOK_LIMITS_LOCAL : WEBHOOK_LIMITS_ON_AWS;
  const channelSecret = refreshingChannelSecret(options.credentials ?? credentialsSourceFor(config), {
    log: observe.log,
    ...(options.now && { now: options.now }),
  });
  const client = documentClient(config, process.env, limits.dynamoDb);
  const inbox = new DynamoDbInbox({
    client,
    tableName: config.tables.inbox,
    retentionDays: config.inboxRetentionDays,
    deadLetterRetentionDays: config.deadLetterRetentionDays,
  });
  const settings = new DynamoDbSettingsStore(client, config.tables.settings);
  const words = cachedWords(() => settings.wordsThatMatter(), WORDS_CACHE_MS, observe.log);
  const clock = { now: () => new Date() };
  return (request) =>
    handleWebhookRequest(request, {
      channelSecret,
      accept: (events) => acceptChatEvents(events, { inbox, clock, telemetry: observe.telemetry, words }),
      answerWithinMs: limits.answerWithinMs,
      ...observe,
    });
}
