import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import type { AttendanceAdminDeps } from '../../lambda/app/attendance/manage-attendance';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbFriendshipStore } from '../../lambda/adapters/dynamodb/friendship-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { DynamoDbRegistryStats } from '../../lambda/adapters/dynamodb/registry-stats';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import type { LineApi } from '../../lambda/adapters/line/line-api';
import type { AuditLog } from '../../lambda/app/audit/audit-log';
import { planCampaign, sendPlanned, surveyCampaign } from '../../lambda/app/campaign/run-campaign';
import type { Campaign, CampaignTuning } from '../../lambda/domain/campaign';
import { campaignDepsFor } from '../cli/campaign';
import type { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import { type AudienceConsole, audienceConsole } from './audiences';

const MEMBER_RETENTION_DAYS = 180;

/** Everything the console's pages call: the same adapters and use cases as the CLIs. */
export interface ConsoleDeps {
  registry: DynamoDbGroupRegistry;
  stats: DynamoDbRegistryStats;
  campaigns: DynamoDbCampaignStore;
  coupons: DynamoDbCouponStore;
  settings: DynamoDbSettingsStore;
  /** Members and friendships: read only here (the pages list them; nothing on them is changed). */
  members: DynamoDbMemberStore;
  friendships: DynamoDbFriendshipStore;
  line: LineApi;
  /** The audit trail: every change made here is added to it. */
  audit: AuditLog;
  attendance: AttendanceAdminDeps;
  /**
   * Checks the quota and starts (or resumes) a campaign, returning once it is under way; its
   * progress is read from the deliveries table. A refusal (QuotaExceededError) writes nothing.
   * `tuning` paces a campaign run here; on AWS the workers keep the stack's own.
   */
  startCampaign(
    spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages' | 'belowReach'>,
    tuning?: CampaignTuning,
  ): Promise<void>;
  now(): Date;
  /** Audiences and narrowcasts (lib/console/audiences.ts), when LINE's audience API is connected. */
  audiences?: AudienceConsole;
}

export function consoleDeps(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: LineApi;
  /** With a function name (`--aws`), campaigns go through the stack's planner, as the CLI sends them. */
  campaignFunction?: string;
  log(line: string): void;
  audienceLine?: LineAudienceApi;
}): ConsoleDeps {
  const { client, tables, line } = options;
  const registry = new DynamoDbGroupRegistry({ client, tables, eventRetentionDays: 90 });
  const campaigns = new DynamoDbCampaignStore(client, tables);
  const campaignDeps = (tuning: CampaignTuning = { pushesPerSecond: 1000, concurrency: 16 }) =>
    campaignDepsFor({ client, tables, line, ...tuning, warn: options.log, error: options.log });
  return {
    registry,
    stats: new DynamoDbRegistryStats(client, tables.registryStats),
    campaigns,
    coupons: new DynamoDbCouponStore(client, tables.coupons),
    settings: new DynamoDbSettingsStore(client, tables.settings),
    // Retention only sets the expiry of items written, and the console writes none of these.
    members: new DynamoDbMemberStore({ client, tables, retentionDays: MEMBER_RETENTION_DAYS }),
    friendships: new DynamoDbFriendshipStore({
      client,
      tableName: tables.friendships,
      retentionDays: MEMBER_RETENTION_DAYS,
    }),
    line,
    audit: new DynamoDbAuditLog(client, tables.audit),
    now: () => new Date(),
    ...(options.audienceLine && {
      audiences: audienceConsole({ client, tables, line: options.audienceLine, log: options.log }),
    }),
    attendance: {
      store: new DynamoDbAttendanceStore({ client, tables, retentionDays: 0 }),
      openShiftMs: Number(process.env.ATTENDANCE_OPEN_SHIFT_HOURS || 16) * 3_600_000,
      now: () => new Date(),
    },
    async startCampaign(spec, tuning) {
      const deps = campaignDeps(tuning);
      if (options.campaignFunction) {
        // The planner checks again, but its refusal would reach only the logs and an alarm.
        await surveyCampaign(spec, { ignoreQuota: false }, deps);
        await new LambdaClient({}).send(
          new InvokeCommand({
            FunctionName: options.campaignFunction,
            InvocationType: 'Event',
            Payload: JSON.stringify(spec),
          }),
        );
        return;
      }
      // Planned before the answer, so a refusal is shown on the page and leaves no campaign;
      // sent in this process after it, and followed in the deliveries table.
      const plan = await planCampaign(spec, { ignoreQuota: false }, deps);
      void sendPlanned(plan, deps).catch((error: unknown) =>
        options.log(`campaign ${spec.campaignId} stopped: ${(error as Error).message}`),
      );
    },
  };
}
