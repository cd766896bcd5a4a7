import type { Message } from '../../domain/messages';
import type { AudienceRecord, LineAudience, NarrowcastProgress } from '../../domain/audiences';

/** LINE's audience endpoints (manage-audience.yml). */
export interface AudienceApi {
  /** Every audience of the channel, OA Manager's chat tags included (all pages). */
  listAudiences(): Promise<LineAudience[]>;
  /** undefined when LINE does not know it (deleted, or never made). */
  getAudience(audienceGroupId: number): Promise<LineAudience | undefined>;
  /** A new upload audience with these user ids (at most 10,000: LINE's limit for one request). */
  createAudience(description: string, userIds: string[]): Promise<LineAudience>;
  /** Adds user ids (at most 10,000) to an upload audience this channel made. */
  addToAudience(audienceGroupId: number, userIds: string[], uploadDescription: string): Promise<void>;
}

/** What LINE answered to a narrowcast: its request id, the first one's when the retry key was known (409). */
export interface NarrowcastAccepted {
  requestId: string;
  /** LINE had accepted this retry key before: this is the first request's id, nothing new was sent. */
  alreadyAccepted: boolean;
}

/** LINE's narrowcast and its progress (messaging-api.yml). */
export interface NarrowcastApi {
  /** Sends once per `retryKey` (a UUID), to the audience, within what is left of the month's quota. */
  narrowcast(audienceGroupId: number, messages: Message[], retryKey: string): Promise<NarrowcastAccepted>;
  narrowcastProgress(requestId: string): Promise<NarrowcastProgress>;
  /** This month's message allowance left, or undefined when the plan has no limit. */
  remainingQuota(): Promise<number | undefined>;
}

/** The audiences this product made (the audiences table): no user ids, only how each was chosen. */
export interface AudienceStore {
  put(record: AudienceRecord): Promise<void>;
  get(audienceGroupId: number): Promise<AudienceRecord | undefined>;
  list(): Promise<AudienceRecord[]>;
  /** After a refresh: members seen up to `uploadedUntil` are in it, `userCount` uploaded in all. */
  uploaded(audienceGroupId: number, uploadedUntil: string, userCount: number): Promise<void>;
}
