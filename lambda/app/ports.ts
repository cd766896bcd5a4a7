import type { ChatEvent } from '../domain/events';
import type { ChatType, Group, GroupStatus } from '../domain/group';
import type { Offers } from '../domain/coupon-policy';
import type { Decision } from '../domain/lifecycle';
import type { Message } from '../domain/messages';
import type { ReplyKind } from '../domain/replies';

/** One webhook event as kept in the group events table. */
export interface GroupEventRecord {
  groupId: string;
  eventKey: string;
  webhookEventId: string;
  eventType: ChatEvent['type'];
  eventAt: string;
  isRedelivery: boolean;
  decision: Decision;
  /** The chat's status right after this event. */
  status: GroupStatus;
  leaveReason?: string;
  /** What the bot answered to this event with its reply token, if anything. */
  reply?: ReplyKind;
  recordedAt: string;
}

export interface StoredGroup {
  group: Group;
  /** Optimistic-lock version: a save only succeeds on the version it read. */
  version: number;
}

export interface GroupRegistry {
  load(groupId: string): Promise<StoredGroup | undefined>;
  /** Many at once (one round trip per 100); a chat not in the map does not exist yet. */
  loadMany(groupIds: string[]): Promise<Map<string, StoredGroup>>;
  /**
   * Writes the chat and its new event records in one transaction.
   * @throws DuplicateEventsError if some events were recorded before (nothing is written)
   * @throws ConcurrentUpdateError if the chat changed since it was loaded (nothing is written)
   */
  save(group: Group, expectedVersion: number | undefined, events: GroupEventRecord[]): Promise<void>;
}

export interface ChatSummary {
  groupName: string;
  pictureUrl?: string;
}

/** The LINE Messaging API calls the registry needs. */
export interface LineLookups {
  /** Rooms (multi-person chats) have no summary: resolves undefined. */
  getSummary(chatType: ChatType, groupId: string): Promise<ChatSummary | undefined>;
  getMemberCount(chatType: ChatType, groupId: string): Promise<number>;
}

/** The operator's current templates and coupons (cached by the adapter). */
export interface OffersSource {
  current(): Promise<Offers>;
}

export interface ReplySender {
  reply(replyToken: string, messages: Message[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** The counters operators alarm on; the names are the CloudWatch metric names. */
export type MetricName =
  | 'groupsJoined'
  | 'groupsLeft'
  | 'groupsEjected'
  | 'eventsRecorded'
  | 'eventsDuplicate'
  | 'eventsIgnored'
  | 'lineLookupFailures'
  | 'webhookErrors'
  | 'welcomesSent'
  | 'couponRepliesSent'
  | 'repliesFailed'
  | 'campaignPushesSent'
  | 'campaignPushesFailed';

export interface Telemetry {
  count(metric: MetricName, value?: number): void;
}

/** Structured logger (Powertools' Logger fits). Extra objects become JSON keys. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
