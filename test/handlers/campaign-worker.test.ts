import type { SQSEvent } from 'aws-lambda';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { createCoupon } from '../../lambda/app/manage-coupons';
import { campaignMessages } from '../../lib/cli/campaign';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

// The campaign worker Lambda exactly as SQS invokes it, against DynamoDB Local and the emulator.
let h: Harness;
const saved = { ...process.env };
beforeAll(async () => {
  h = await startHarness();
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(h.tables),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_SECRET: CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(async () => {
  process.env = saved;
  await h.close();
});

const sqsEvent = (...bodies: unknown[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: JSON.stringify(body) })) }) as SQSEvent;

it('pushes its batch once, and hands back only the batch whose groups LINE kept refusing', async () => {
  const { handler } = await import('../../lambda/handlers/campaign-worker');
  const { couponId } = await createCoupon(
    {
      title: 't',
      startsAt: new Date(Date.now() - 1000),
      endsAt: new Date(Date.now() + 86_400_000),
      reward: { type: 'free' },
    },
    h.couponDeps,
  );
  const ok = [newGroupId(), newGroupId()];
  const stubborn = newGroupId();
  for (const groupId of [...ok, stubborn]) await h.post([webhookEvents.join(groupId)]);
  const store = new DynamoDbCampaignStore(h.documents, h.tables);
  await store.createOrGet({
    campaignId: 'w',
    couponId,
    messages: campaignMessages(couponId),
    target: 'active',
    createdAt: new Date().toISOString(),
    status: 'sending',
  });
  // LINE answers 500 to every push to the stubborn group for longer than one invocation retries.
  h.line.state.faults.push({ match: 'POST /v2/bot/message/push', to: stubborn, status: 500, count: 5 });

  const first = await handler(
    sqsEvent({ campaignId: 'w', groupIds: [stubborn] }, { campaignId: 'w', groupIds: ok }),
  );
  expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
  const again = await handler(
    sqsEvent({ campaignId: 'w', groupIds: [stubborn] }, { campaignId: 'w', groupIds: ok }),
  );
  expect(again.batchItemFailures).toEqual([]);
  for (const groupId of [...ok, stubborn]) {
    expect(h.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId)).toHaveLength(1);
  }
});

it("a start that failed (the secret unreadable, a bad setting) is tried again on the next invocation, not kept for the container's life", async () => {
  let handler: ((event: SQSEvent) => Promise<unknown>) | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../lambda/handlers/campaign-worker')).handler;
  });
  const { couponId } = await createCoupon(
    {
      title: 't',
      startsAt: new Date(Date.now() - 1000),
      endsAt: new Date(Date.now() + 86_400_000),
      reward: { type: 'free' },
    },
    h.couponDeps,
  );
  const groupId = newGroupId();
  await h.post([webhookEvents.join(groupId)]);
  await new DynamoDbCampaignStore(h.documents, h.tables).createOrGet({
    campaignId: 'restart',
    couponId,
    messages: campaignMessages(couponId),
    target: 'active',
    createdAt: new Date().toISOString(),
    status: 'sending',
  });
  const batch = sqsEvent({ campaignId: 'restart', groupIds: [groupId] });

  // The secret cannot be read yet (here: Secrets Manager refuses the connection).
  const unreadableSecret = {
    LINE_SECRET_ID: 'line-groups/line-channel',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
  };
  const readable = process.env;
  process.env = { ...readable, ...unreadableSecret };
  await expect(handler!(batch)).rejects.toThrow(/ECONNREFUSED/);
  process.env = readable;
  process.env.PUSH_CONCURRENCY = '0';
  await expect(handler!(batch)).rejects.toThrow(
    'concurrency must be a whole number of pushes at once from 1',
  );
  delete process.env.PUSH_CONCURRENCY;
  expect(await handler!(batch)).toEqual({ batchItemFailures: [] });
  expect(h.line.state.sent.filter((s) => s.via === 'push' && s.to === groupId)).toHaveLength(1);
});
