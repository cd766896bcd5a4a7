import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * What DynamoDB leaves unprocessed (throttling, the 16 MB limit) is asked for again after a
 * growing, jittered pause, as AWS advises: asking at once only meets the same throttling. After
 * `rounds` tries the call fails, so a caller's own retry (the stream, LINE's redelivery) takes over.
 */
export interface LeftoverRetry {
  rounds: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Replaced in tests to see the pauses without waiting them. */
  sleep?: (ms: number) => Promise<void>;
}

export const LEFTOVER_RETRY: LeftoverRetry = { rounds: 8, baseDelayMs: 25, maxDelayMs: 1_000 };

export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

/** Half the doubled delay for sure, the other half at random, so retrying callers spread out. */
export function leftoverDelayMs(round: number, retry: LeftoverRetry = LEFTOVER_RETRY): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (round - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends until nothing is left over, pausing between rounds; `send` answers what is left. */
async function untilProcessed<T>(
  pending: T[],
  send: (pending: T[]) => Promise<T[]>,
  retry: LeftoverRetry,
  what: string,
): Promise<void> {
  for (let round = 1; pending.length > 0; round++) {
    if (round > 1) {
      if (round > retry.rounds) {
        throw new UnprocessedItemsError(
          `${pending.length} ${what} still unprocessed after ${retry.rounds} tries`,
        );
      }
      await (retry.sleep ?? pause)(leftoverDelayMs(round - 1, retry));
    }
    pending = await send(pending);
  }
}

/**
 * Every item for these keys: 100 keys a BatchGetItem, and what DynamoDB leaves unprocessed asked
 * for again (see `LeftoverRetry`). A key with no item is simply absent.
 */
export async function batchGetAll<T extends object = Item>(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
  options: { consistentRead?: boolean; retry?: LeftoverRetry } = {},
): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    await untilProcessed(
      keys.slice(i, i + 100),
      async (pending) => {
        const { Responses, UnprocessedKeys } = await client.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: { Keys: pending, ...(options.consistentRead && { ConsistentRead: true }) },
            },
          }),
        );
        found.push(...((Responses?.[tableName] ?? []) as T[]));
        return UnprocessedKeys?.[tableName]?.Keys ?? [];
      },
      options.retry ?? LEFTOVER_RETRY,
      `keys of ${tableName}`,
    );
  }
  return found;
}

/**
 * Every item written: 25 a BatchWriteItem, unprocessed ones written again (see `LeftoverRetry`).
 * `parallel` sends the requests at once (someone is waiting: LINE for the webhook's answer); else
 * one after another.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: object[],
  options: { parallel?: boolean; retry?: LeftoverRetry } = {},
): Promise<void> {
  const write = (chunk: object[]) =>
    untilProcessed(
      chunk.map((Item) => ({ PutRequest: { Item } }) as Item),
      async (requests) => {
        const { UnprocessedItems } = await client.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
        );
        return (UnprocessedItems?.[tableName] ?? []) as Item[];
      },
      options.retry ?? LEFTOVER_RETRY,
      `items for ${tableName}`,
    );
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  if (options.parallel) await Promise.all(chunks.map(write));
  else for (const chunk of chunks) await write(chunk);
}
