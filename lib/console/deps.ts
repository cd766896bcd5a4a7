import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbRegistryStats } from '../../lambda/adapters/dynamodb/registry-stats';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import type { LineApi } from '../../lambda/adapters/line/line-api';
import { runCampaign } from '../../lambda/app/campaign/run-campaign';
import type { Campaign } from '../../lambda/domain/campaign';
import { campaignDepsFor } from '../cli/campaign';

/** Everything the console's pages call: the same adapters and use cases as the CLIs. */
export interface ConsoleDeps {
  registry: DynamoDbGroupRegistry;
  stats: DynamoDbRegistryStats;
  campaigns: DynamoDbCampaignStore;
  coupons: DynamoDbCouponStore;
  settings: DynamoDbSettingsStore;
  line: LineApi;
  /** Starts a campaign and returns at once; its progress is read from the deliveries table. */
  startCampaign(spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages'>): Promise<void>;
  now(): Date;
}

export function consoleDeps(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: LineApi;
  /** With a function name (`--aws`), campaigns go through the stack's planner, as the CLI sends them. */
  campaignFunction?: string;
  log(line: string): void;
}): ConsoleDeps {
  const { client, tables, line } = options;
  const registry = new DynamoDbGroupRegistry({ client, tables, eventRetentionDays: 90 });
  const campaigns = new DynamoDbCampaignStore(client, tables);
  const campaignDeps = campaignDepsFor({
    client,
    tables,
    line,
    pushesPerSecond: 1000,
    concurrency: 16,
    warn: options.log,
    error: options.log,
  });
  return {
    registry,
    stats: new DynamoDbRegistryStats(client, tables.registryStats),
    campaigns,
    coupons: new DynamoDbCouponStore(client, tables.coupons),
    settings: new DynamoDbSettingsStore(client, tables.settings),
    line,
    now: () => new Date(),
    async startCampaign(spec) {
      if (options.campaignFunction) {
        await new LambdaClient({}).send(
          new InvokeCommand({
            FunctionName: options.campaignFunction,
            InvocationType: 'Event',
            Payload: JSON.stringify(spec),
          }),
        );
        return;
      }
      // Runs in this process after the answer; the page follows it in the deliveries table.
      void runCampaign(spec, { ignoreQuota: false }, campaignDeps).catch((error: unknown) =>
        options.log(`campaign ${spec.campaignId} stopped: ${(error as Error).message}`),
      );
    },
  };
}
