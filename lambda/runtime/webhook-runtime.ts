import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { acceptChatEvents } from '../app/accept-events';
import type { Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import { handleWebhookRequest } from '../webhook/handle-request';
import { credentialsSourceFor, refreshingChannelSecret, type CredentialsSource } from './secrets';

export type WebhookHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

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
  const channelSecret = refreshingChannelSecret(options.credentials ?? credentialsSourceFor(config), {
    log: observe.log,
    ...(options.now && { now: options.now }),
  });
  const inbox = new DynamoDbInbox({
    client: documentClient(config),
    tableName: config.tables.inbox,
    retentionDays: config.inboxRetentionDays,
  });
  const clock = { now: () => new Date() };
  return (request) =>
    handleWebhookRequest(request, {
      channelSecret,
      accept: (events) => acceptChatEvents(events, { inbox, clock, telemetry: observe.telemetry }),
      ...observe,
    });
}
