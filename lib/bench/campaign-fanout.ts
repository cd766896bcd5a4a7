import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { LineApi } from '../../lambda/adapters/line/line-api';
import { deliverCampaign, planCampaign } from '../../lambda/app/campaign/run-campaign';
import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import { createCoupon } from '../../lambda/app/manage-coupons';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { BENCH_TOKEN, type BenchEnvironment } from './environment';
import { round, timed } from './stats';

/** LINE's rate limit for the push endpoint, per channel. */
export const LINE_PUSH_LIMIT_PER_SECOND = 2000;

export interface CampaignFigure {
  groups: number;
  seconds: number;
  sendsPerSecond: number;
  fractionOfLimit: number;
  rateLimited: number;
  duplicates: number;
  /** The same DynamoDB Local's ceiling: single UpdateItems/s at the same concurrency, for scale. */
  localDbWritesPerSecond: number;
}

async function localWriteCeiling(
  bench: BenchEnvironment,
  groupIds: string[],
  concurrency: number,
): Promise<number> {
  const queue = groupIds.slice(0, 2000);
  const total = queue.length;
  const [, ms] = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          await bench.documents.send(
            new UpdateCommand({
              TableName: bench.tables.groups,
              Key: { groupId: id },
              UpdateExpression: 'SET lastActivityAt = :t',
              ExpressionAttributeValues: { ':t': new Date().toISOString() },
            }),
          );
        }
      }),
    ),
  );
  return round(total / (ms / 1000));
}

/** A campaign to `count` groups against the emulator limited to LINE's push rate. */
export async function benchCampaign(bench: BenchEnvironment, groupIds: string[]): Promise<CampaignFigure> {
  const client = documentClient({ dynamoDbEndpoint: bench.env.DYNAMODB_ENDPOINT });
  const line = new LineApi({ channelAccessToken: BENCH_TOKEN, baseURL: bench.line.url });
  const { couponId } = await createCoupon(
    {
      title: 'bench',
      startsAt: new Date(Date.now() - 1000),
      endsAt: new Date(Date.now() + 86_400_000),
      reward: { type: 'free' },
    },
    {
      line,
      coupons: new DynamoDbCouponStore(client, bench.tables.coupons),
      settings: new DynamoDbSettingsStore(client, bench.tables.settings),
      now: () => new Date(),
    },
  );
  let rateLimited = 0;
  const deps = {
    registry: new DynamoDbGroupRegistry({ client, tables: bench.tables, eventRetentionDays: 90 }),
    store: new DynamoDbCampaignStore(client, bench.tables),
    line: {
      push: async (...args: Parameters<LineApi['push']>) => {
        try {
          return await line.push(...args);
        } catch (error) {
          if ((error as { status?: number }).status === 429) rateLimited += 1;
          throw error;
        }
      },
      remainingQuota: () => line.remainingQuota(),
    },
    limiter: new RateLimiter(LINE_PUSH_LIMIT_PER_SECOND * 0.95),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    telemetry: { count() {} },
    now: () => new Date(),
    concurrency: 128,
    maxAttempts: 8,
  };
  const plan = await planCampaign(
    { campaignId: 'bench', couponId, messages: [{ type: 'coupon', couponId }] },
    { ignoreQuota: true },
    deps,
  );
  const [, ms] = await timed(() => deliverCampaign(plan.campaign, plan.groupIds, deps));
  const localDbWritesPerSecond = await localWriteCeiling(bench, groupIds, deps.concurrency);
  const perGroup = new Map<string, number>();
  for (const s of bench.line.state.sent)
    if (s.via === 'push') perGroup.set(s.to, (perGroup.get(s.to) ?? 0) + 1);
  const sendsPerSecond = groupIds.length / (ms / 1000);
  client.destroy();
  return {
    groups: groupIds.length,
    seconds: round(ms / 1000),
    sendsPerSecond: round(sendsPerSecond),
    fractionOfLimit: round(sendsPerSecond / LINE_PUSH_LIMIT_PER_SECOND, 2),
    rateLimited,
    duplicates: [...perGroup.values()].filter((n) => n > 1).length,
    localDbWritesPerSecond,
  };
}
