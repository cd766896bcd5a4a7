import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CampaignBatches, CampaignStore } from '../../app/ports';
import type { Campaign, CampaignUpdate, Delivery, DeliveryStatus } from '../../domain/campaign';
import { batchGetAll, batchWriteAll } from './batch';

// Conditions named for the rule they enforce.
const campaignIsNew = 'attribute_not_exists(campaignId)';
/** A delivery that reached `sent` (or was skipped) is final: nothing moves it back. */
const deliveryIsOpen = '#status IN (:pending, :failed)';
/** A worker's batch counts only towards the plan it was queued by (a resume makes a new plan). */
const batchOfCurrentPlan = 'planId = :plan';
/** Only a campaign still sending ends `done` (not one paused for quota, nor one done already). */
const stillSending = '#status = :sending';

/** The finished batches of the current plan: kept on the item, never shown as part of a campaign. */
const asCampaign = ({ doneBatches: _doneBatches, ...campaign }: Record<string, unknown>) =>
  campaign as unknown as Campaign;

/** The campaigns and deliveries tables. */
export class DynamoDbCampaignStore implements CampaignStore, CampaignBatches {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: { campaigns: string; deliveries: string },
  ) {}

  /** Creates the campaign, or returns the one already there with that id (a re-run resumes it). */
  async createOrGet(campaign: Campaign): Promise<Campaign> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.campaigns,
          Item: campaign,
          ConditionExpression: campaignIsNew,
        }),
      );
      return campaign;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(campaign.campaignId);
      if (!existing) throw error;
      return existing;
    }
  }

  async get(campaignId: string): Promise<Campaign | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.campaigns, Key: { campaignId }, ConsistentRead: true }),
    );
    return Item && asCampaign(Item);
  }

  async update(campaignId: string, fields: CampaignUpdate): Promise<void> {
    const entries = Object.entries(fields);
    const set = entries.filter(([, v]) => v !== undefined);
    const remove = entries.filter(([, v]) => v === undefined);
    // A new plan starts counting its batches afresh.
    const removed = [...remove.map(([n]) => `#${n}`), ...('planId' in fields ? ['doneBatches'] : [])];
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.campaigns,
        Key: { campaignId },
        UpdateExpression: [
          set.length > 0 ? `SET ${set.map(([n]) => `#${n} = :${n}`).join(', ')}` : '',
          removed.length > 0 ? `REMOVE ${removed.join(', ')}` : '',
        ].join(' '),
        ExpressionAttributeNames: Object.fromEntries(entries.map(([n]) => [`#${n}`, n])),
        ...(set.length > 0 && {
          ExpressionAttributeValues: Object.fromEntries(set.map(([n, v]) => [`:${n}`, v])),
        }),
      }),
    );
  }

  async finishBatch(campaignId: string, planId: string, batch: number): Promise<boolean> {
    let item: Record<string, unknown>;
    try {
      // A set, so a batch SQS delivers twice is counted once.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.campaigns,
          Key: { campaignId },
          UpdateExpression: 'ADD doneBatches :batch',
          ConditionExpression: batchOfCurrentPlan,
          ExpressionAttributeValues: { ':batch': new Set([batch]), ':plan': planId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    const finished = (item.doneBatches as Set<number> | undefined)?.size ?? 0;
    if (finished < Number(item.plannedBatches ?? Infinity)) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.campaigns,
          Key: { campaignId },
          UpdateExpression: 'SET #status = :done',
          ConditionExpression: `${batchOfCurrentPlan} AND ${stillSending}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':done': 'done', ':sending': 'sending', ':plan': planId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The deliveries of these groups so far (one BatchGetItem per 100). */
  async getMany(campaignId: string, groupIds: string[]): Promise<Map<string, Delivery>> {
    const found = await batchGetAll<Delivery>(
      this.client,
      this.tables.deliveries,
      groupIds.map((groupId) => ({ campaignId, groupId })),
      { consistentRead: true },
    );
    return new Map(found.map((d) => [d.groupId, d]));
  }

  /**
   * Writes whole deliveries (BatchWriteItem, 25 at a time): the intents before pushing, and the
   * `sent` results after. Not conditional: if a concurrent worker already sent one, an intent
   * resets it to `pending`, and its push with the same retry key is answered 409 and recorded
   * `sent` again; a `sent` result lost in a crash leaves `pending`, which a re-run settles the same
   * way. Either way no group gets a second message.
   */
  async putMany(deliveries: Delivery[]): Promise<void> {
    await batchWriteAll(this.client, this.tables.deliveries, deliveries);
  }

  /** Records an outcome; refused (false) if the delivery is already final. */
  async settle(
    delivery: Delivery,
    status: DeliveryStatus,
    attempts: number,
    reason?: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.deliveries,
          Key: { campaignId: delivery.campaignId, groupId: delivery.groupId },
          UpdateExpression: `SET #status = :status, attempts = :attempts, updatedAt = :now${reason ? ', reason = :reason' : ' REMOVE reason'}`,
          ConditionExpression: deliveryIsOpen,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':attempts': attempts,
            ':now': new Date().toISOString(),
            ':pending': 'pending',
            ':failed': 'failed',
            ...(reason && { ':reason': reason }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async deliveries(campaignId: string): Promise<Delivery[]> {
    const items: Delivery[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.deliveries,
        KeyConditionExpression: 'campaignId = :c',
        ExpressionAttributeValues: { ':c': campaignId },
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as Delivery[]));
    return items;
  }

  async list(): Promise<Campaign[]> {
    const campaigns: Campaign[] = [];
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tables.campaigns })) {
      campaigns.push(...(page.Items ?? []).map(asCampaign));
    }
    return campaigns.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
