import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type CampaignBatch, fanOutCampaign } from '../app/campaign/fan-out';
import { QuotaExceededError } from '../app/campaign/run-campaign';
import { loadConfig } from '../config';
import type { Message } from '../domain/messages';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createCampaignDeps } from '../runtime/campaign-runtime';

export interface CampaignRequest {
  campaignId: string;
  couponId?: string;
  messages: Message[];
  /** To the active chats below this reach only (the friend-add card). */
  belowReach?: number;
  ignoreQuota?: boolean;
}

const sqs = new SQSClient({});

/** Ten batches a request, SQS's most; a batch the queue refuses fails the plan (a re-run resumes). */
const sendTo =
  (queueUrl: string) =>
  async (batches: CampaignBatch[]): Promise<void> => {
    for (let i = 0; i < batches.length; i += 10) {
      const entries = batches.slice(i, i + 10).map((batch, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify(batch),
      }));
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (result.Failed?.length)
        throw new Error(`queue refused ${result.Failed.length} batch(es); run the campaign again to resume`);
    }
  };

/**
 * Started by `npm run campaign -- send|resume --aws`: plans the campaign (quota check, active
 * groups through byStatus) and fans it out as batches of group ids on the campaign queue, where
 * workers push them. A million groups are 10,000 messages; no single function runs the whole loop.
 * A campaign the quota cannot pay is refused with nothing written: logged, counted
 * (`campaignsRefused`, alarmed) and answered, not thrown, so the asynchronous invoke is not retried.
 */
export async function handler(
  request: CampaignRequest,
): Promise<{ campaignId: string; groups: number; batches: number; refused?: string }> {
  const queueUrl = process.env.CAMPAIGN_QUEUE_URL;
  if (!queueUrl) throw new Error('CAMPAIGN_QUEUE_URL is not set');
  const telemetry = telemetryOf(metrics);
  try {
    const deps = await createCampaignDeps(
      loadConfig(),
      { log: logger, telemetry },
      { concurrency: 1, pushesPerSecond: 1 },
    );
    const options = { ignoreQuota: request.ignoreQuota ?? false };
    const { campaignId } = request;
    try {
      const fanOut = await fanOutCampaign(request, options, deps, sendTo(queueUrl));
      logger.info('campaign planned', { campaignId, ...fanOut });
      return { campaignId, groups: fanOut.groups, batches: fanOut.batches };
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      telemetry.count('campaignsRefused');
      logger.error('campaign refused', { campaignId, reason: error.message });
      return { campaignId, groups: 0, batches: 0, refused: error.message };
    }
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
