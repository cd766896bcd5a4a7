import type { NarrowcastCampaign, NarrowcastUpdate } from '../../domain/narrowcast';

/** Narrowcast campaigns, kept beside the push campaigns (the campaigns table, `kind: narrowcast`). */
export interface NarrowcastStore {
  /** Creates it, or returns the one already there with that id (a re-run resumes it). */
  createOrGet(campaign: NarrowcastCampaign): Promise<NarrowcastCampaign>;
  /** undefined also when the id is a push campaign's. */
  get(campaignId: string): Promise<NarrowcastCampaign | undefined>;
  /** Sets these fields; one given as `undefined` is removed. */
  update(campaignId: string, fields: NarrowcastUpdate): Promise<NarrowcastCampaign>;
  /** Unfinished narrowcasts whose next check is due by `now` (the follower's work). */
  due(now: Date): Promise<NarrowcastCampaign[]>;
  /** Every narrowcast, newest first (the console's list). */
  list(): Promise<NarrowcastCampaign[]>;
}
