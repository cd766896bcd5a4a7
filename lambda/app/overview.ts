import type { Campaign } from '../domain/campaign';
import { type Group, type GroupStatus, japanDay } from '../domain/group';
import type { CampaignStore, DailyCounts, GroupDirectory, RegistryStats } from './ports';

export interface Overview {
  counts: Record<GroupStatus, number>;
  /** Oldest first, one entry per day (Japan time), today last. */
  days: DailyCounts[];
  latestEjections: Group[];
  runningCampaigns: Campaign[];
}

/**
 * The operators' overview, at any size in a handful of reads: counts and the daily chart come
 * from counters kept in the registry's own transactions, the latest ejections from one page of
 * the byStatus index; nothing reads every chat.
 */
export async function registryOverview(
  deps: {
    stats: Pick<RegistryStats, 'statusCounts' | 'daily'>;
    directory: Pick<GroupDirectory, 'page'>;
    campaigns: Pick<CampaignStore, 'list'>;
  },
  now: Date,
  dayCount = 30,
): Promise<Overview> {
  const today = Date.parse(`${japanDay(now.toISOString())}T00:00:00.000Z`);
  const days = Array.from({ length: dayCount }, (_, i) =>
    new Date(today - (dayCount - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const [counts, daily, ejected, campaigns] = await Promise.all([
    deps.stats.statusCounts(),
    deps.stats.daily(days),
    deps.directory.page('ejected', { limit: 10 }),
    deps.campaigns.list(),
  ]);
  return {
    counts,
    days: daily,
    latestEjections: ejected.groups,
    runningCampaigns: campaigns.filter((c) => c.status !== 'done'),
  };
}
