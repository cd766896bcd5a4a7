import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import type { CampaignBatch } from '../../lambda/app/campaign/fan-out';
import { retryKeyFor } from '../../lambda/domain/campaign';
import type { CampaignRequest } from '../../lambda/handlers/campaign-planner';
import { campaignMessages } from '../../lib/cli/campaign';
import { runningCoupon, seedActiveGroups, setMonthlyQuota } from '../support/campaign-fixtures';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { type QueuedMessage, type QueueStandIn, startQueueStandIn } from '../support/sqs-queue';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

// The AWS path as Lambda runs it: the planner function exactly as `campaign send --aws` invokes
// it (its SQS client talking to a queue stand-in over HTTP), then the worker function given the
// queued batches as SQS hands them over; DynamoDB Local and the LINE emulator underneath.

type Planner = (request: CampaignRequest) => Promise<{ groups: number; batches: number; refused?: string }>;
type Worker = (event: SQSEvent) => Promise<SQSBatchResponse>;

const saved = { ...process.env };
let queue: QueueStandIn;
beforeAll(async () => {
  queue = await startQueueStandIn();
});
afterAll(async () => {
  process.env = saved;
  await queue.close();
});

/** Fresh tables, emulator and function modules (each function keeps its clients per container). */
async function deployment(): Promise<{ h: Harness; couponId: string; planner: Planner; worker: Worker }> {
  const h = await startHarness({}, { monthlyQuota: 1_000_000 });
  process.env = {
    ...saved,
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(h.tables),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    CAMPAIGN_QUEUE_URL: queue.queueUrl,
    AWS_ENDPOINT_URL_SQS: new URL(queue.queueUrl).origin,
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  let planner: Planner | undefined;
  let worker: Worker | undefined;
  await jest.isolateModulesAsync(async () => {
    planner = (await import('../../lambda/handlers/campaign-planner')).handler;
    worker = (await import('../../lambda/handlers/campaign-worker')).handler;
  });
  return { h, couponId: await runningCoupon(h), planner: planner!, worker: worker! };
}

const batchOf = (m: QueuedMessage) => JSON.parse(m.body) as CampaignBatch;
/** What the planner queued from here on. */
const queuedSince = (start: number) => queue.messages.slice(start);

it('fans 101 active groups out as two batches of at most 100; the worker finishing the last ends the campaign done', async () => {
  const { h, couponId, planner, worker } = await deployment();
  try {
    const groups = await seedActiveGroups(h, 101);
    const start = queue.messages.length;
    const request = { campaignId: 'aws', couponId, messages: campaignMessages(couponId) };
    expect(await planner(request)).toEqual({ campaignId: 'aws', groups: 101, batches: 2 });

    const queued = queuedSince(start);
    const batches = queued.map(batchOf);
    expect(batches.map((b) => [b.batch, b.groupIds.length])).toEqual([
      [0, 100],
      [1, 1],
    ]);
    expect(new Set(batches.map((b) => b.planId)).size).toBe(1);
    expect(batches.flatMap((b) => b.groupIds).sort()).toEqual([...groups].sort());
    const store = new DynamoDbCampaignStore(h.documents, h.tables);
    expect(await store.get('aws')).toMatchObject({
      status: 'sending',
      plannedGroups: 101,
      plannedBatches: 2,
      planId: batches[0]!.planId,
    });

    expect(await worker(queue.eventOf(queued.slice(0, 1)))).toEqual({ batchItemFailures: [] });
    // SQS may deliver a batch twice: it counts once, so the campaign is not done early.
    expect(await worker(queue.eventOf(queued.slice(0, 1)))).toEqual({ batchItemFailures: [] });
    expect(await store.get('aws')).toMatchObject({ status: 'sending' });
    await worker(queue.eventOf(queued.slice(1)));
    expect(await store.get('aws')).toMatchObject({ status: 'done' });
    for (const groupId of groups) {
      expect(h.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId)).toHaveLength(1);
    }
  } finally {
    await h.close();
  }
}, 60_000);

it('refuses a campaign the quota cannot pay: nothing queued, no record, answered (not thrown, so not retried)', async () => {
  const { h, couponId, planner } = await deployment();
  try {
    await seedActiveGroups(h, 4, { memberCount: 5 });
    const { consumed } = await setMonthlyQuota(h, 0);
    await setMonthlyQuota(h, consumed + 19);
    const start = queue.messages.length;
    const answer = await planner({ campaignId: 'too-big', couponId, messages: campaignMessages(couponId) });
    expect(answer).toMatchObject({ groups: 0, batches: 0 });
    expect(answer.refused).toMatch(/needs about 20 messages .* only 19 are left/);
    expect(queuedSince(start)).toEqual([]);
    expect(await new DynamoDbCampaignStore(h.documents, h.tables).get('too-big')).toBeUndefined();
    expect(h.line.state.sent).toEqual([]);
  } finally {
    await h.close();
  }
});

it('a batch the queue refuses fails the plan; running it again plans anew and every group gets one push', async () => {
  const { h, couponId, planner, worker } = await deployment();
  try {
    const groups = await seedActiveGroups(h, 101);
    const request = { campaignId: 'requeued', couponId, messages: campaignMessages(couponId) };
    const start = queue.messages.length;
    queue.refuseNext = 1;
    await expect(planner(request)).rejects.toThrow('queue refused 1 batch(es); run the campaign again');
    const firstPlan = queuedSince(start);
    expect(firstPlan).toHaveLength(1);

    const again = queue.messages.length;
    expect(await planner(request)).toMatchObject({ groups: 101, batches: 2 });
    const secondPlan = queuedSince(again);
    // Both plans' batches are delivered; the first plan's is harmless (same retry keys, not counted).
    for (const message of [...firstPlan, ...secondPlan]) await worker(queue.eventOf([message]));
    const store = new DynamoDbCampaignStore(h.documents, h.tables);
    expect(await store.get('requeued')).toMatchObject({
      status: 'done',
      planId: batchOf(secondPlan[0]!).planId,
    });
    const keys = new Set(groups.map((g) => retryKeyFor('requeued', g)));
    const accepted = h.line.state.sent.filter((s) => s.retryKey !== undefined && keys.has(s.retryKey));
    expect(accepted).toHaveLength(101);
  } finally {
    await h.close();
  }
}, 60_000);

it("LINE's monthly limit on AWS: the campaign pauses, queued batches are set aside unpushed, and a resume finishes it", async () => {
  const { h, couponId, planner, worker } = await deployment();
  try {
    const groups = await seedActiveGroups(h, 101, { memberCount: 1 });
    const { consumed } = await setMonthlyQuota(h, 0);
    await setMonthlyQuota(h, consumed + 101);
    const request = { campaignId: 'aws-monthly', couponId, messages: campaignMessages(couponId) };
    const start = queue.messages.length;
    expect(await planner(request)).toMatchObject({ groups: 101, batches: 2 });
    const queued = queuedSince(start);

    // Another sender spends part of the quota meanwhile: only 60 of these pushes fit.
    await setMonthlyQuota(h, consumed + 60);
    const pushRequests = () => h.line.state.requests.filter((r) => r.path === '/v2/bot/message/push').length;
    expect(await worker(queue.eventOf(queued.slice(0, 1)))).toEqual({ batchItemFailures: [] });
    const store = new DynamoDbCampaignStore(h.documents, h.tables);
    expect(await store.get('aws-monthly')).toMatchObject({
      status: 'paused_quota',
      reason: 'LINE answered 429: You have reached your monthly limit.',
    });
    // At most the pushes in flight (10 a worker) were refused.
    expect(pushRequests() - 60).toBeGreaterThan(0);
    expect(pushRequests() - 60).toBeLessThanOrEqual(10);
    // The next batch is acknowledged without a single request to LINE (nothing left for SQS to retry).
    const before = pushRequests();
    expect(await worker(queue.eventOf(queued.slice(1)))).toEqual({ batchItemFailures: [] });
    expect(pushRequests()).toBe(before);
    const deliveries = await store.deliveries('aws-monthly');
    expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(60);
    expect(deliveries.filter((d) => d.status === 'failed')).toEqual([]);

    // Quota raised; `campaign -- resume aws-monthly --aws` invokes the planner with the same campaign.
    await setMonthlyQuota(h, consumed + 1000);
    const resumed = queue.messages.length;
    expect(await planner(request)).toMatchObject({ groups: 41, batches: 1 });
    for (const message of queuedSince(resumed)) await worker(queue.eventOf([message]));
    expect(await store.get('aws-monthly')).toMatchObject({ status: 'done' });
    expect((await store.get('aws-monthly'))?.reason).toBeUndefined();
    for (const groupId of groups) {
      expect(h.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId)).toHaveLength(1);
    }
  } finally {
    await h.close();
  }
}, 60_000);
