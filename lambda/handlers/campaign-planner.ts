import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { planCampaign } from '../app/campaign/run-campaign';
import { loadConfig } from '../config';
import type { Message } from '../domain/messages';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createCampaignDeps } from '../runtime/campaign-runtime';

export interface CampaignRequest {
  campaignId: string;
  couponId: string;
  messages: Message[];
  ignoreQuota?: boolean;
}

/** Groups per queue message: one worker invocation pushes to this many groups. */
export const GROUPS_PER_BATCH = 100;
const sqs = new SQSClient({});

/**
 * Started by `npm run campaign -- send --aws`: plans the campaign (quota check, active groups
 * through byStatus) and fans it out as batches of group ids on the campaign queue, where workers
 * push them. A million groups are 10,000 messages; no single function runs the whole loop.
 */
export async function handler(
  request: CampaignRequest,
): Promise<{ campaignId: string; groups: number; batches: number }> {
  const queueUrl = process.env.CAMPAIGN_QUEUE_URL;
  if (!queueUrl) throw new Error('CAMPAIGN_QUEUE_URL is not set');
  try {
    const deps = await createCampaignDeps(
      loadConfig(),
      { log: logger, telemetry: telemetryOf(metrics) },
      { concurrency: 1, pushesPerSecond: 1 },
    );
    const plan = await planCampaign(request, { ignoreQuota: request.ignoreQuota ?? false }, deps);
    const batches: string[][] = [];
    for (let i = 0; i < plan.groupIds.length; i += GROUPS_PER_BATCH)
      batches.push(plan.groupIds.slice(i, i + GROUPS_PER_BATCH));
    for (let i = 0; i < batches.length; i += 10) {
      const entries = batches.slice(i, i + 10).map((groupIds, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify({ campaignId: request.campaignId, groupIds }),
      }));
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (result.Failed?.length)
        throw new Error(`queue refused ${result.Failed.length} batch(es); run the campaign again to resume`);
    }
    await deps.store.update(request.campaignId, { status: 'sending' });
    logger.info('campaign planned', {
      campaignId: request.campaignId,
      groups: plan.groupIds.length,
      batches: batches.length,
      cost: plan.cost,
    });
    return { campaignId: request.campaignId, groups: plan.groupIds.length, batches: batches.length };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
