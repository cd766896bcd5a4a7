import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AudienceStore } from '../../app/audiences/ports';
import type { AudienceRecord } from '../../domain/audiences';

/** The audiences table: one item per audience this product made (an operator's tens, not millions). */
export class DynamoDbAudienceStore implements AudienceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: AudienceRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: record }));
  }

  async get(audienceGroupId: number): Promise<AudienceRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { audienceGroupId }, ConsistentRead: true }),
    );
    return Item as AudienceRecord | undefined;
  }

  async list(): Promise<AudienceRecord[]> {
    const records: AudienceRecord[] = [];
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName }))
      records.push(...((page.Items ?? []) as AudienceRecord[]));
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async uploaded(audienceGroupId: number, uploadedUntil: string, userCount: number): Promise<void> {
    // Later refreshes win: one that read earlier never moves the mark back.
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { audienceGroupId },
          UpdateExpression: 'SET uploadedUntil = :until, userCount = :count',
          ConditionExpression: 'attribute_exists(audienceGroupId) AND uploadedUntil < :until',
          ExpressionAttributeValues: { ':until': uploadedUntil, ':count': userCount },
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }
}
