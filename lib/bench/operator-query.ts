import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import type { BenchEnvironment } from './environment';
import { median, round, timed } from './stats';

export interface QueryFigure {
  groups: number;
  ejected: number;
  byStatusMs: number;
  scanMs: number;
  ratio: number;
}

/** "Which groups were we ejected from?" in a large table: the byStatus Query next to a Scan. */
export async function benchOperatorQuery(
  bench: BenchEnvironment,
  total: number,
  ejected: number,
): Promise<QueryFigure> {
  const registry = new DynamoDbGroupRegistry({
    client: bench.documents,
    tables: bench.tables,
    eventRetentionDays: 90,
  });
  const queryTimes: number[] = [];
  const scanTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [found, q] = await timed(() => registry.listByStatus('ejected'));
    if (found.length !== ejected) throw new Error(`byStatus found ${found.length}, expected ${ejected}`);
    queryTimes.push(q);
    const [scanned, s] = await timed(async () => {
      let n = 0;
      const pages = paginateScan(
        { client: bench.documents },
        {
          TableName: bench.tables.groups,
          FilterExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'ejected' },
        },
      );
      for await (const page of pages) n += page.Count ?? 0;
      return n;
    });
    if (scanned !== ejected) throw new Error(`scan found ${scanned}, expected ${ejected}`);
    scanTimes.push(s);
  }
  return {
    groups: total,
    ejected,
    byStatusMs: round(median(queryTimes)),
    scanMs: round(median(scanTimes)),
    ratio: round(median(scanTimes) / median(queryTimes)),
  };
}
