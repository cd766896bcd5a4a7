import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { acceptChatEvents } from '../app/accept-events';
import type { Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import { handleWebhookRequest } from '../webhook/handle-request';
import { channelCredentials } from './secrets';

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
