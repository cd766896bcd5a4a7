import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbCouponStore } from '../adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry, MAX_EVENTS_PER_SAVE } from '../adapters/dynamodb/group-registry';
import { cachedOffers, DynamoDbSettingsStore } from '../adapters/dynamodb/settings-store';
import { LineApi } from '../adapters/line/line-api';
import type { Log, Telemetry } from '../app/ports';
import { recordChatEvents } from '../app/record-chat-events';
import type { Config } from '../config';
import { handleWebhookRequest } from '../webhook/handle-request';
import { channelCredentials } from './secrets';

export type WebhookHandler = (request: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Wires the webhook from config: the composition root shared by Lambda and the local server. */
export async function createWebhookRuntime(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
): Promise<WebhookHandler> {
  const credentials = await channelCredentials(config);
  const client = documentClient(config);
  const coupons = new DynamoDbCouponStore(client, config.tables.coupons);
  const settings = new DynamoDbSettingsStore(client, config.tables.settings);
  const registry = new DynamoDbGroupRegistry({
    client,
    tables: config.tables,
    eventRetentionDays: config.eventRetentionDays,
  });
  const line = new LineApi({
    channelAccessToken: credentials.channelAccessToken,
    baseURL: config.lineApiBaseUrl,
  });
  const deps = {
    registry,
    line,
    replies: line,
    offers: cachedOffers(() => settings.offers(coupons), config.settingsCacheMs),
    policy: { ejectionWindowMs: config.ejectionWindowMs },
    clock: { now: () => new Date() },
    maxEventsPerSave: MAX_EVENTS_PER_SAVE,
    lookupTimeoutMs: config.lookupTimeoutMs,
    ...observe,
  };
  return (request) =>
    handleWebhookRequest(request, {
      channelSecret: credentials.channelSecret,
      handleChatEvents: (events) => recordChatEvents(events, deps),
      ...observe,
    });
}
