import type { messagingApi } from '@line/bot-sdk';
import type { Campaign, Delivery, DeliveryStatus } from '../domain/campaign';
import type { Coupon } from '../domain/coupons';
import type { ChatEvent } from '../domain/events';
import type { ChatType, Group, GroupStatus } from '../domain/group';
import type { Offers } from '../domain/coupon-policy';
import type { Decision } from '../domain/lifecycle';
import type { LeaveBurst } from '../domain/mass-leave';
import type { Message } from '../domain/messages';
import type { ReplyKind } from '../domain/replies';

/** One webhook event as kept in the group events table. */
export interface GroupEventRecord {
  groupId: string;
  eventKey: string;
  /** The webhook event's id; for a mass leave, the burst's. */
  webhookEventId: string;
  /** A webhook event's type, or `massLeave`: the chat's leave was found part of a mass leave. */
  eventType: ChatEvent['type'] | 'massLeave';
  eventAt: string;
  isRedelivery: boolean;
  /** `standby` events are recorded and never answered. */
  mode: ChatEvent['mode'];
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

/** What a save changes in the registry's counts, written in the same transaction (exactly once). */
export interface RegistryChange {
  /**
   * The chat as it was, when the save changes its status (`null`: new to the registry). Moves the
   * per-status counts, and the per-day counts of joins, leaves and ejections.
   */
  previous?: Pick<Group, 'status' | 'statusChangedAt'> | null;
  /** The leave bursts a removal counts in. */
  bursts?: Pick<LeaveBurst, 'burstId' | 'windowStart' | 'windowEnd' | 'activeAtStart'>[];
}

/** The registry's counts (the registry-stats table). */
export interface RegistryStats {
  statusCounts(): Promise<Record<GroupStatus, number>>;
  burst(burstId: string): Promise<LeaveBurst | undefined>;
  /** Marks the burst a mass leave; false when it already was (someone else saw it first). */
  markMassLeave(burst: LeaveBurst, at: Date): Promise<boolean>;
  latestMassLeave(): Promise<LeaveBurst | undefined>;
  /** Joins, leaves and ejections on these days (YYYY-MM-DD, Japan time), one read per 100 days. */
  daily(days: string[]): Promise<DailyCounts[]>;
}

/** What happened to the registry on one day (Japan time): the overview's chart. */
export interface DailyCounts {
  day: string;
  joins: number;
  leaves: number;
  ejections: number;
}

/** What `touchActivity` found: applied, or the chat as it is, for the recorded path. */
export type TouchResult = { applied: true } | { applied: false; stored: StoredGroup | undefined };

export interface GroupRegistry {
  load(groupId: string): Promise<StoredGroup | undefined>;
  /**
   * Writes the chat and its new event records in one transaction.
   * @throws DuplicateEventsError if some events were recorded before (nothing is written)
   * @throws ConcurrentUpdateError if the chat changed since it was loaded (nothing is written)
   */
  save(
    group: Group,
    expectedVersion: number | undefined,
    events: GroupEventRecord[],
    change?: RegistryChange,
  ): Promise<void>;
  /**
   * Routine activity (see `isRoutineActivity`): moves `lastActivityAt` up to `at` in one
   * conditional write, with no read. Also `applied` when it already was at or past `at`.
   */
  touchActivity(groupId: string, at: string, ejectionWindowMs: number): Promise<TouchResult>;
  /** Chats whose LINE read is owed by `now`, oldest first (the byEnrichmentDue index): their ids. */
  dueForEnrichment(now: Date, limit: number): Promise<string[]>;
}

/** The registry as the operators' use cases read it. */
export interface GroupDirectory {
  get(groupId: string): Promise<Group | undefined>;
  getMany(groupIds: string[]): Promise<Map<string, Group>>;
  /** Chats with a status, newest change first, a page at a time (never a Scan). */
  pagesByStatus(status: GroupStatus, options?: { since?: string; limit?: number }): AsyncIterable<Group[]>;
  /**
   * One page for a screen: up to `limit` chats with a status, newest change first, whose name
   * contains `q`; `cursor` continues where the last page stopped.
   */
  page(
    status: GroupStatus,
    options: { limit: number; q?: string; cursor?: string },
  ): Promise<{ groups: Group[]; cursor?: string }>;
}

/**
 * One webhook's events of one chat, as the webhook stored them before answering LINE. The
 * processor applies them afterwards; the item stays (TTL) and is the dead letter if that fails.
 */
export interface InboxItem {
  groupId: string;
  /** `<receivedAt>#<first webhookEventId>`: unique per webhook and chat, sorted by arrival. */
  inboxKey: string;
  receivedAt: string;
  events: ChatEvent[];
}

export interface DeadLetter extends InboxItem {
  attempts: number;
  failedAt: string;
  lastError: string;
}

export interface Inbox {
  /** Stores a webhook's chat events durably: one write for a one-chat webhook (25 items a request else). */
  accept(items: InboxItem[]): Promise<void>;
  /** Counts a failed attempt; past `maxAttempts` the item becomes a dead letter (true). */
  noteFailure(item: InboxItem, error: string, maxAttempts: number): Promise<boolean>;
  /** Dead letters, oldest first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** A dead letter processed again: no longer a dead letter; it expires like any other item. */
  settle(item: InboxItem): Promise<void>;
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

/** Makes the OA leave a chat; LINE then sends a `leave` webhook. */
export interface ChatLeaver {
  leave(chatType: ChatType, groupId: string): Promise<void>;
}

export interface PushSender {
  /** A push LINE accepts at most once per `retryKey`, so retrying it is safe. */
  push(to: string, messages: Message[], retryKey: string): Promise<void>;
  /** This month's push allowance left, or undefined when the plan has no limit. */
  remainingQuota(): Promise<number | undefined>;
}

/** The campaigns and deliveries tables. */
export interface CampaignStore {
  createOrGet(campaign: Campaign): Promise<Campaign>;
  get(campaignId: string): Promise<Campaign | undefined>;
  update(campaignId: string, fields: Partial<Pick<Campaign, 'status' | 'plannedGroups'>>): Promise<void>;
  getMany(campaignId: string, groupIds: string[]): Promise<Map<string, Delivery>>;
  putMany(deliveries: Delivery[]): Promise<void>;
  /** Records an outcome; false if the delivery is already final. */
  settle(delivery: Delivery, status: DeliveryStatus, attempts: number, reason?: string): Promise<boolean>;
  deliveries(campaignId: string): Promise<Delivery[]>;
  /** Every campaign, newest first (an operator's campaigns: tens, not millions). */
  list(): Promise<Campaign[]>;
}

/** LINE's coupon endpoints. */
export interface CouponApi {
  createCoupon(request: messagingApi.CouponCreateRequest): Promise<messagingApi.CouponCreateResponse>;
  getCoupon(couponId: string): Promise<messagingApi.CouponResponse>;
  closeCoupon(couponId: string): Promise<void>;
}

export interface CouponStore {
  put(coupon: Coupon): Promise<void>;
  get(couponId: string): Promise<Coupon | undefined>;
  list(): Promise<Coupon[]>;
}

/** The operator's settings that coupons change. */
export interface CouponSettings {
  groupCouponId(): Promise<string | undefined>;
  setGroupCoupon(couponId: string | undefined): Promise<void>;
  setCouponKeyword(keyword: string, couponId: string | undefined): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** The counters operators alarm on; the names are the CloudWatch metric names. */
export type MetricName =
  | 'eventsAccepted'
  | 'eventsInvalid'
  | 'groupsJoined'
  | 'groupsLeft'
  | 'groupsEjected'
  | 'eventsRecorded'
  | 'eventsDuplicate'
  | 'eventsIgnored'
  | 'activityTouched'
  | 'processingFailures'
  | 'eventsDeadLettered'
  | 'eventsReplayed'
  | 'lineLookupFailures'
  | 'enrichmentsAbandoned'
  | 'massLeaves'
  | 'webhookErrors'
  | 'signatureRejected'
  | 'welcomesSent'
  | 'couponRepliesSent'
  | 'memberWelcomesSent'
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
