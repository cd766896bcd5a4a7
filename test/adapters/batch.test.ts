import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  batchWriteAll,
  LEFTOVER_RETRY,
  leftoverDelayMs,
  UnprocessedItemsError,
} from '../../lambda/adapters/dynamodb/batch';
import { createTestTables } from '../support/dynamodb';

type Request = Record<string, unknown>;

/**
 * DynamoDB Local never leaves anything unprocessed, so this does it as DynamoDB does under
 * throttling: each batch request of the next `throttledRounds` passes only its first item to
 * DynamoDB Local and hands the rest back as unprocessed.
 */
function throttling(documents: DynamoDBDocumentClient, throttledRounds: number) {
  const state = { requests: 0, throttledRounds };
  const send = async (command: BatchWriteCommand | BatchGetCommand) => {
    state.requests += 1;
    const [table, request] = Object.entries(command.input.RequestItems ?? {})[0]!;
    const throttled = state.throttledRounds-- > 0;
    if (command instanceof BatchWriteCommand) {
      const writes = request as Request[];
      const passed = throttled ? writes.slice(0, 1) : writes;
      await documents.send(new BatchWriteCommand({ RequestItems: { [table]: passed as never } }));
      return { UnprocessedItems: throttled ? { [table]: writes.slice(1) } : {} };
    }
    const { Keys = [] } = request as { Keys?: Request[] };
    const passed = throttled ? Keys.slice(0, 1) : Keys;
    const { Responses } = await documents.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: passed } } }),
    );
    return { Responses, UnprocessedKeys: throttled ? { [table]: { Keys: Keys.slice(1) } } : {} };
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, state };
}

describe('BatchWriteItem and BatchGetItem leftovers', () => {
  let db: Awaited<ReturnType<typeof createTestTables>>;
  let documents: DynamoDBDocumentClient;
  beforeAll(async () => {
    db = await createTestTables();
    documents = DynamoDBDocumentClient.from(db.client);
  });
  afterAll(() => db.drop());

  const items = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ couponId: `${prefix}-${i}`, title: `coupon ${i}` }));

  it('are asked for again after growing, jittered pauses until none is left', async () => {
    const pauses: number[] = [];
    const retry = { ...LEFTOVER_RETRY, sleep: async (ms: number) => void pauses.push(ms) };
    const { client, state } = throttling(documents, 4);
    await batchWriteAll(client, db.tables.coupons, items('w', 10), { retry });
    expect(state.requests).toBe(5);
    const { Items } = await documents.send(new ScanCommand({ TableName: db.tables.coupons }));
    expect(Items?.filter((i) => String(i.couponId).startsWith('w-'))).toHaveLength(10);

    const keys = items('w', 10).map(({ couponId }) => ({ couponId }));
    const read = await batchGetAll(throttling(documents, 3).client, db.tables.coupons, keys, { retry });
    expect(read.map((i) => i.couponId).sort()).toEqual(keys.map((k) => k.couponId).sort());

    // Pauses double from 25 ms, each between half its ceiling and the ceiling.
    expect(pauses).toHaveLength(4 + 3);
    const ceilings = [25, 50, 100, 200, 25, 50, 100];
    pauses.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(ms).toBeLessThanOrEqual(ceilings[i]!);
    });
  });

  it('give up with a clear error after a bounded number of tries, so the caller retries instead of spinning', async () => {
    const pauses: number[] = [];
    const retry = { ...LEFTOVER_RETRY, sleep: async (ms: number) => void pauses.push(ms) };
    const { client, state } = throttling(documents, Number.POSITIVE_INFINITY);
    await expect(batchWriteAll(client, db.tables.coupons, items('g', 20), { retry })).rejects.toThrow(
      new UnprocessedItemsError(`12 items for ${db.tables.coupons} still unprocessed after 8 tries`),
    );
    expect(state.requests).toBe(LEFTOVER_RETRY.rounds);
    expect(pauses).toHaveLength(LEFTOVER_RETRY.rounds - 1);
  });

  it('pause at most maxDelayMs however many rounds', () => {
    for (let round = 1; round <= 20; round++)
      expect(leftoverDelayMs(round)).toBeLessThanOrEqual(LEFTOVER_RETRY.maxDelayMs);
    expect(leftoverDelayMs(20)).toBeGreaterThanOrEqual(LEFTOVER_RETRY.maxDelayMs / 2);
  });
});
