import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbCouponStore } from '../adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry, MAX_EVENTS_PER_SAVE } from '../adapters/dynamodb/group-registry';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { DynamoDbRegistryStats } from '../adapters/dynamodb/registry-stats';
import { cachedOffers, DynamoDbSettingsStore } from '../adapters/dynamodb/settings-store';
import { type EnrichDeps, enrichGroups } from '../app/enrich-groups';
import type { Log, Telemetry } from '../app/ports';
import type { ProcessInboxDeps } from '../app/process-inbox';
import type { Config } from '../config';
import { lineApiFor } from './line-client';
import { channelCredentials } from './secrets';

export interface ProcessorRuntime {
  processing: ProcessInboxDeps;
  enrichment: EnrichDeps;
}

/** Wires processing and enrichment from config: shared by their Lambdas, the local stack and the CLIs. */
export async function createProcessorRuntime(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
): Promise<ProcessorRuntime> {
  const credentials = await channelCredentials(config);
  const client = documentClient(config);
  const coupons = new DynamoDbCouponStore(client, config.tables.coupons);
  const settings = new DynamoDbSettingsStore(client, config.tables.settings);
  const registry = new DynamoDbGroupRegistry({
    client,
    tables: config.tables,
    eventRetentionDays: config.eventRetentionDays,
  });
  const line = lineApiFor(credentials, config.lineApiBaseUrl);
  const policy = { ejectionWindowMs: config.ejectionWindowMs };
  const clock = { now: () => new Date() };
  const enrichment: EnrichDeps = {
    registry,
    line,
    policy,
    enrichment: config.enrichment,
    clock,
    ...observe,
  };
  const processing: ProcessInboxDeps = {
    registry,
    replies: line,
    offers: cachedOffers(() => settings.offers(coupons), config.settingsCacheMs),
    policy,
    replyPolicy: { memberWelcomeCooldownMs: config.memberWelcomeCooldownMs },
    directory: registry,
    stats: new DynamoDbRegistryStats(client, config.tables.registryStats),
    massLeave: config.massLeave,
    clock,
    maxEventsPerSave: MAX_EVENTS_PER_SAVE,
    inbox: new DynamoDbInbox({
      client,
      tableName: config.tables.inbox,
      retentionDays: config.inboxRetentionDays,
    }),
    maxAttempts: config.processingMaxAttempts,
    enrich: (groupIds) => enrichGroups(groupIds, config.lookupTimeoutMs, enrichment),
    ...observe,
  };
  return { processing, enrichment };
}
