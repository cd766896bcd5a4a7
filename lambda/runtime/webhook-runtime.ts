import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { DynamoDbSettingsStore } from '../adapters/dynamodb/settings-store';
import type { WordsThatMatter } from '../domain/kept-text';
import { acceptChatEvents } from '../app/accept-events';
import type { Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import { handleWebhookRequest } from '../webhook/handle-request';
import { channelCredentials } from './secrets';

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

/**
 * Wires the webhook (intake) from config: the composition root shared by Lambda and the local
 * server. It needs the channel secret and the inbox, nothing else: no LINE client, no registry.
 */
export async function createWebhookRuntime(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
): Promise<WebhookHandler> {
  const { channelSecret } = await channelCredentials(config);
  const client = documentClient(config);
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
      ...observe,
    });
}
