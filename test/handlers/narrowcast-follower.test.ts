import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { DynamoDbNarrowcastStore } from '../../lambda/adapters/dynamodb/narrowcast-store';
import { campaignCommand } from '../../lib/cli/campaign';
import { newUserId } from '../../lib/local/simulator/webhook-events';
import { runningCoupon } from '../support/campaign-fixtures';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';
import { cliEnv, control, narrowcastsOf } from '../audiences/support';

// The AWS path as Lambda runs it: `campaign start --aws` only writes the campaign; the follower
// function, invoked as EventBridge does every minute, takes it to LINE's counts.
type Follower = () => Promise<{ advanced: number; failed: number }>;

const saved = { ...process.env };
let h: Harness;
let follower: Follower;
beforeAll(async () => {
  h = await startHarness({}, { audiences: { readySeconds: 1, narrowcastPhaseMs: 100 } });
  process.env = {
    ...saved,
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(h.tables),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    AWS_REGION: 'ap-northeast-1',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  await jest.isolateModulesAsync(async () => {
    follower = (await import('../../lambda/handlers/narrowcast-follower')).handler;
  });
});
afterAll(async () => {
  process.env = saved;
  await h.close();
});

it('start --aws writes the campaign and returns; the follower, minute after minute, sends once and stores the counts', async () => {
  const friend = newUserId();
  await control(h, 'PUT', `/emulator/friends/${friend}`, { friend: true });
  const tag = (await control(h, 'POST', '/emulator/audiences', {
    description: 'aws',
    userIds: [friend],
  })) as {
    audienceGroupId: number;
  };
  const couponId = await runningCoupon(h);
  const out: string[] = [];
  // --aws with DYNAMODB_ENDPOINT and LINE_API_BASE_URL set reaches the local stand-ins.
  const code = await campaignCommand(
    [
      'start',
      '--audience',
      String(tag.audienceGroupId),
      '--coupon',
      couponId,
      '--id',
      'aws-narrowcast',
      '--aws',
    ],
    (t) => out.push(t),
    { ...cliEnv(h), LINE_CHANNEL_SECRET: CHANNEL_SECRET },
  );
  expect(code).toBe(0);
  expect(out.at(-1)).toBe(
    'campaign aws-narrowcast queued in AWS; follow it with: npm run campaign -- status aws-narrowcast --aws',
  );
  expect(await narrowcastsOf(h, tag.audienceGroupId)).toEqual([]);

  const store = new DynamoDbNarrowcastStore(h.documents, h.tables.campaigns);
  for (let minute = 0; minute < 50; minute++) {
    const campaign = await store.get('aws-narrowcast');
    if (campaign?.status === 'succeeded' || campaign?.status === 'failed') break;
    expect(await follower()).toMatchObject({ failed: 0 });
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(await store.get('aws-narrowcast')).toMatchObject({
    status: 'succeeded',
    targetCount: 1,
    successCount: 1,
    failureCount: 0,
  });
  expect(await narrowcastsOf(h, tag.audienceGroupId)).toHaveLength(1);
}, 60_000);
