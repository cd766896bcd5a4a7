import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NARROWCASTS_DUE_INDEX } from './tables';
import type { NarrowcastStore } from '../../app/narrowcast/ports';
import type { NarrowcastCampaign, NarrowcastUpdate } from '../../domain/narrowcast';

const campaignIsNew = 'attribute_not_exists(campaignId)';
/** A finished narrowcast stays finished: a late follower never reopens it. */
const notFinished = '#status IN (:waiting, :sending)';

/** The index key is the store's business, never part of a campaign. */
const asNarrowcast = (item: Record<string, unknown> | undefined) => {
  if (item?.kind !== 'narrowcast') return undefined;
  const { followDue: _followDue, ...campaign } = item;
  return campaign as unknown as NarrowcastCampaign;
};
const DUE = 'due';

/** Narrowcast campaigns in the campaigns table (`kind: narrowcast`), beside the push ones. */
export class DynamoDbNarrowcastStore implements NarrowcastStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createOrGet(campaign: NarrowcastCampaign): Promise<NarrowcastCampaign> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...campaign, followDue: DUE },
          ConditionExpression: campaignIsNew,
        }),
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
    // A finished narrowcast leaves the follower's index.
    const finished = fields.status === 'succeeded' || fields.status === 'failed';
    const entries = Object.entries({ ...fields, ...(finished && { followDue: undefined }) });
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
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const campaign = asNarrowcast(item);
        if (campaign) found.push(campaign);
      }
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async due(now: Date): Promise<NarrowcastCampaign[]> {
    const found: NarrowcastCampaign[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: NARROWCASTS_DUE_INDEX,
        KeyConditionExpression: 'followDue = :due AND nextCheckAt <= :now',
        ExpressionAttributeValues: { ':due': DUE, ':now': now.toISOString() },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const campaign = asNarrowcast(item);
        if (campaign) found.push(campaign);
      }
    return found;
  }
}
