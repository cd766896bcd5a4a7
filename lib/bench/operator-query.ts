import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbRegistryStats } from '../../lambda/adapters/dynamodb/registry-stats';
import { registryOverview } from '../../lambda/app/overview';
import type { BenchEnvironment } from './environment';
import { median, round, timed } from './stats';

export interface QueryFigure {
  groups: number;
  ejected: number;
  byStatusMs: number;
  scanMs: number;
  ratio: number;
  /** The operators' overview (counts, 30 days of joins/leaves/ejections, latest ejections, campaigns). */
  overviewMs: number;
  /** One screen of 50 active groups, and a search by name through the same index. */
  groupsPageMs: number;
  groupsSearchMs: number;
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
  const stats = new DynamoDbRegistryStats(bench.documents, bench.tables.registryStats);
  const campaigns = new DynamoDbCampaignStore(bench.documents, bench.tables);
  const overviewTimes: number[] = [];
  const pageTimes: number[] = [];
  const searchTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    overviewTimes.push(
      (await timed(() => registryOverview({ stats, directory: registry, campaigns }, new Date())))[1],
    );
    pageTimes.push((await timed(() => registry.page('active', { limit: 50 })))[1]);
    searchTimes.push((await timed(() => registry.page('active', { limit: 50, q: 'グループ 4242' })))[1]);
  }
  return {
    overviewMs: round(median(overviewTimes)),
    groupsPageMs: round(median(pageTimes)),
    groupsSearchMs: round(median(searchTimes)),
    groups: total,
    ejected,
    byStatusMs: round(median(queryTimes)),
    scanMs: round(median(scanTimes)),
    ratio: round(median(scanTimes) / median(queryTimes)),
  };
}
