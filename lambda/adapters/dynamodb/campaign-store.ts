import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Campaign, Delivery, DeliveryStatus } from '../../domain/campaign';

// Conditions named for the rule they enforce.
const campaignIsNew = 'attribute_not_exists(campaignId)';
const deliveryIsNew = 'attribute_not_exists(groupId)';
/** A delivery that reached `sent` (or was skipped) is final: nothing moves it back. */
const deliveryIsOpen = '#status IN (:pending, :failed)';

/** The campaigns and deliveries tables. */
export class DynamoDbCampaignStore {
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
    return Item as Campaign | undefined;
  }

  async update(
    campaignId: string,
    fields: Partial<Pick<Campaign, 'status' | 'plannedGroups'>>,
  ): Promise<void> {
    const names = Object.keys(fields);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.campaigns,
        Key: { campaignId },
        UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: Object.fromEntries(Object.entries(fields).map(([n, v]) => [`:${n}`, v])),
      }),
    );
  }

  /** The intent to push, written once per (campaign, group); a later claim gets the first one back. */
  async claim(delivery: Delivery): Promise<Delivery> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.deliveries,
          Item: delivery,
          ConditionExpression: deliveryIsNew,
        }),
      );
      return delivery;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tables.deliveries,
          Key: { campaignId: delivery.campaignId, groupId: delivery.groupId },
          ConsistentRead: true,
        }),
      );
      return Item as Delivery;
    }
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
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tables.deliveries,
          KeyConditionExpression: 'campaignId = :c',
          ExpressionAttributeValues: { ':c': campaignId },
          ExclusiveStartKey,
        }),
      );
      items.push(...((page.Items ?? []) as Delivery[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}
