import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * Every item for these keys: 100 keys a BatchGetItem, and what DynamoDB leaves unprocessed
 * (throttling, the 16 MB limit) asked for again. A key with no item is simply absent.
 */
export async function batchGetAll<T extends object = Item>(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
  options: { consistentRead?: boolean } = {},
): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending = keys.slice(i, i + 100);
    while (pending.length > 0) {
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ...(options.consistentRead && { ConsistentRead: true }) },
          },
        }),
      );
      found.push(...((Responses?.[tableName] ?? []) as T[]));
      pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/**
 * Every item written: 25 a BatchWriteItem, unprocessed ones written again. `parallel` sends the
 * requests at once (someone is waiting: LINE for the webhook's answer); else one after another.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: object[],
  options: { parallel?: boolean } = {},
): Promise<void> {
  const write = async (chunk: object[]) => {
    let requests: Item[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as Item[];
    }
  };
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  if (options.parallel) await Promise.all(chunks.map(write));
  else for (const chunk of chunks) await write(chunk);
}
