import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { NarrowcastStore } from '../../app/narrowcast/ports';
import type { NarrowcastCampaign, NarrowcastUpdate } from '../../domain/narrowcast';

const campaignIsNew = 'attribute_not_exists(campaignId)';
/** A finished narrowcast stays finished: a late follower never reopens it. */
const notFinished = '#status IN (:waiting, :sending)';

const asNarrowcast = (item: Record<string, unknown> | undefined) =>
  item?.kind === 'narrowcast' ? (item as unknown as NarrowcastCampaign) : undefined;

/** Narrowcast campaigns in the campaigns table (`kind: narrowcast`), beside the push ones. */
export class DynamoDbNarrowcastStore implements NarrowcastStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createOrGet(campaign: NarrowcastCampaign): Promise<NarrowcastCampaign> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: campaign, ConditionExpression: campaignIsNew }),
      );
      return campaign;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(campaign.campaignId);
      if (!existing) {
        throw new Error(`campaign ${campaign.campaignId} exists and is not a narrowcast; pick another --id`, {
          cause: error,
        });
      }
      return existing;
    }
  }

  async get(campaignId: string): Promise<NarrowcastCampaign | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { campaignId }, ConsistentRead: true }),
    );
    return asNarrowcast(Item);
  }

  async update(campaignId: string, fields: NarrowcastUpdate): Promise<NarrowcastCampaign> {
    const entries = Object.entries(fields);
    const set = entries.filter(([, v]) => v !== undefined);
    const remove = entries.filter(([, v]) => v === undefined);
    const { Attributes } = await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { campaignId },
          UpdateExpression: [
            set.length > 0 ? `SET ${set.map(([n]) => `#${n} = :${n}`).join(', ')}` : '',
            remove.length > 0 ? `REMOVE ${remove.map(([n]) => `#${n}`).join(', ')}` : '',
          ].join(' '),
          ConditionExpression: notFinished,
          ExpressionAttributeNames: {
            ...Object.fromEntries(entries.map(([n]) => [`#${n}`, n])),
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(set.map(([n, v]) => [`:${n}`, v])),
            ':waiting': 'waiting_for_audience',
            ':sending': 'sending',
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch(async (error: unknown) => {
        // Another follower finished it first: what it recorded stands.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return { Attributes: (await this.get(campaignId)) as Record<string, unknown> | undefined };
      });
    const updated = asNarrowcast(Attributes);
    if (!updated) throw new Error(`no narrowcast campaign ${campaignId}`);
    return updated;
  }

  async list(): Promise<NarrowcastCampaign[]> {
    const found: NarrowcastCampaign[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: 'kind = :narrowcast',
        ExpressionAttributeValues: { ':narrowcast': 'narrowcast' },
      },
    );
    for await (const page of pages) found.push(...((page.Items ?? []) as NarrowcastCampaign[]));
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async due(now: Date): Promise<NarrowcastCampaign[]> {
    const found: NarrowcastCampaign[] = [];
    // An operator's campaigns are tens: a filtered Scan costs less than an index kept for them.
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: `kind = :narrowcast AND ${notFinished} AND nextCheckAt <= :now`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':narrowcast': 'narrowcast',
          ':waiting': 'waiting_for_audience',
          ':sending': 'sending',
          ':now': now.toISOString(),
        },
      },
    );
    for await (const page of pages) found.push(...((page.Items ?? []) as NarrowcastCampaign[]));
    return found;
  }
}
