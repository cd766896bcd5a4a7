import { createHmac, timingSafeEqual } from 'node:crypto';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/**
 * The least any LINE webhook can do: check the signature and make one DynamoDB write. The
 * benchmark bundles and loads it next to ours, to show what our features cost on top.
 */
const client = new DynamoDBClient({});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const expected = createHmac('sha256', process.env.LINE_CHANNEL_SECRET ?? '')
    .update(body)
    .digest();
  const given = Buffer.from(event.headers['x-line-signature'] ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { statusCode: 401, body: '' };
  const { events } = JSON.parse(body.toString('utf8')) as {
    events: { source?: { groupId?: string }; timestamp: number }[];
  };
  for (const e of events) {
    await client.send(
      new UpdateItemCommand({
        TableName: process.env.GROUPS_TABLE,
        Key: { groupId: { S: e.source?.groupId ?? 'unknown' } },
        UpdateExpression: 'SET lastActivityAt = :t',
        ExpressionAttributeValues: { ':t': { S: new Date(e.timestamp).toISOString() } },
      }),
    );
  }
  return { statusCode: 200, body: '' };
}
