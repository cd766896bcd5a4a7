import { DynamoDbCampaignStore } from '../adapters/dynamodb/campaign-store';
import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbGroupRegistry } from '../adapters/dynamodb/group-registry';
import { DynamoDbMemberStore } from '../adapters/dynamodb/member-store';
import type { CampaignDeps } from '../app/campaign/run-campaign';
import { RateLimiter } from '../app/campaign/rate-limiter';
import type { CampaignBatches, Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import type { CampaignTuning } from '../domain/campaign';
import { lineApiFor } from './line-client';
import { channelCredentials } from './secrets';

/** Wires a campaign's dependencies from config: shared by the planner and the workers. */
export async function createCampaignDeps(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
  tuning: CampaignTuning,
): Promise<CampaignDeps & { batches: CampaignBatches }> {
  const credentials = await channelCredentials(config);
  const client = documentClient(config);
  const store = new DynamoDbCampaignStore(client, config.tables);
  return {
    registry: new DynamoDbGroupRegistry({
      client,
      tables: config.tables,
      eventRetentionDays: config.eventRetentionDays,
    }),
    reach: new DynamoDbMemberStore({
      client,
      tables: config.tables,
      retentionDays: config.memberRetentionDays,
    }),
    store,
    batches: store,
    line: lineApiFor(credentials, config.lineApiBaseUrl),
    limiter: new RateLimiter(tuning.pushesPerSecond),
    now: () => new Date(),
    concurrency: tuning.concurrency,
    maxAttempts: 5,
    ...observe,
  };
}
