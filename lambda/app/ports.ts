import type { messagingApi } from '@line/bot-sdk';
import type { Campaign, CampaignUpdate, Delivery, DeliveryStatus } from '../domain/campaign';
import type { Coupon } from '../domain/coupons';
import type { ChatEvent, InboxEvent } from '../domain/events';
import type { ChatType, Group, GroupStatus } from '../domain/group';
import type { Offers } from '../domain/coupon-policy';
import type { DayCountChange, DepartureKind } from '../domain/departures';
import type { Decision } from '../domain/lifecycle';
import type { Friendship } from '../domain/friendships';
import type { LeaveBurst } from '../domain/mass-leave';
import type { Member } from '../domain/members';
import type { Message } from '../domain/messages';
import type { ChatReach } from '../domain/reach';
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
  /** Set when that answer never reached the chat: LINE refused it, or the token had expired. */
  replyStatus?: 'failed' | 'expired';
  /** A leave: how it counts on the overview's chart (its day's `leaves` or `ejections`). */
  countedAs?: DepartureKind;
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
  /** Changes of the per-day counters (joins, leaves, ejections). */
  days?: DayCountChange[];
  /** Recorded leaves whose count moves (`countedAs` was `from`). */
  recounted?: { eventKey: string; from: DepartureKind; to: DepartureKind }[];
  /** Work to do once the save is committed, kept with it (the outbox). */
  outbox?: OutboxEntry;
}

/** A chat's status, size and name as a registry save left them (copied onto its reach). */
export interface ChatInfo {
  groupId: string;
  status: GroupStatus;
  memberCount?: number;
  groupName?: string;
  /** The registry item's version after that save: newer wins. */
  version: number;
}

/** A status change to count (metrics) and announce (the ejection warning), once. */
export interface StatusReport {
  groupId: string;
  chatType: ChatType;
  status: GroupStatus;
  previousStatus: GroupStatus | null;
  leaveReason: string | null;
}

/** A reply decided with an event's token, sent after the commit. */
export interface PendingReply {
  kind: ReplyKind;
  replyToken: string;
  messages: Message[];
  /** The event it answers (its record notes a reply that never arrived). */
  eventKey: string;
  eventAt: string;
  couponId?: string;
  /** The cool-down it started, and what it was before, to give back if the reply never arrives. */
  cooldown?: { field: 'lastCouponReplyAt' | 'lastMemberWelcomeAt'; previous?: string };
}

/**
 * What a committed save leaves to do, written in the same transaction: if the process dies after
 * the commit, a retry of the same events (refused as duplicates), or the sweep, finds it and does
 * it. Effects that must not repeat (replies, metrics) run on the first claim only; the mass-leave
 * check is idempotent and runs on every claim until the entry is done.
 */
export interface OutboxEntry {
  groupId: string;
  /** `outbox#<eventKey>`: the first event of the save. */
  entryKey: string;
  createdAt: string;
  report?: StatusReport;
  bursts?: NonNullable<RegistryChange['bursts']>;
  replies?: PendingReply[];
  /** The chat's status, size or name changed: its reach follows. */
  chat?: ChatInfo;
}

/** The outbox entries (kept in the group events table, beside the records they follow). */
export interface Outbox {
  /**
   * Takes the entry for `leaseMs` (nobody else runs it meanwhile): the how-many-th claim this is,
   * or undefined when another process holds it or it is done.
   */
  claim(
    entry: Pick<OutboxEntry, 'groupId' | 'entryKey'>,
    now: Date,
    leaseMs: number,
  ): Promise<number | undefined>;
  done(entry: Pick<OutboxEntry, 'groupId' | 'entryKey'>): Promise<void>;
  /** A chat's entries not done yet. */
  pendingFor(groupId: string): Promise<OutboxEntry[]>;
  /** Entries created before `before`, oldest first (the sweep). */
  due(before: Date, limit: number): Promise<OutboxEntry[]>;
}

/** The registry's counts (the registry-stats table). */
export interface RegistryStats {
  statusCounts(): Promise<Record<GroupStatus, number>>;
  burst(burstId: string): Promise<LeaveBurst | undefined>;
  /**
   * Marks the burst a mass leave (`startsAct` when neither neighbouring span is one); false when
   * it already was (someone else saw it first).
   */
  markMassLeave(burst: LeaveBurst, at: Date): Promise<boolean>;
  /** True exactly once for an act's first span: the caller counts and warns. */
  announceMassLeave(burst: LeaveBurst, at: Date): Promise<boolean>;
  /** Takes the re-marking of the burst's chats for `leaseMs`; false while someone else does it. */
  claimReclassification(burst: LeaveBurst, now: Date, leaseMs: number): Promise<boolean>;
  reclassified(burst: LeaveBurst, at: Date): Promise<void>;
  /** The latest mass leave: its act, from the first span of it to the last (windows joined). */
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
  /** Many chats with their versions (BatchGetItem, consistent); absent ones are left out. */
  loadMany(groupIds: string[]): Promise<StoredGroup[]>;
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
   * Routine activity (see `isRoutineActivity`, which must hold for the earliest event): moves
   * `lastActivityAt` up to the latest in one conditional write, with no read. Also `applied` when
   * it already was at or past it.
   */
  /**
   * Several chats with one event record each, in one transaction (at most 50): all or nothing.
   * @throws DuplicateEventsError or ConcurrentUpdateError as `save` does (nothing is written)
   */
  saveMany(saves: { group: Group; expectedVersion: number; event: GroupEventRecord }[]): Promise<void>;
  touchActivity(
    groupId: string,
    span: { earliest: string; latest: string },
    ejectionWindowMs: number,
  ): Promise<TouchResult>;
  /** Chats whose LINE read is owed by `now`, oldest first (the byEnrichmentDue index): their ids. */
  dueForEnrichment(now: Date, limit: number): Promise<string[]>;
  /** The chat's event records from `from` to `to` (event time, both included), oldest first. */
  eventsBetween(groupId: string, from: string, to: string): Promise<GroupEventRecord[]>;
  /**
   * A reply that never reached the chat: its record says so, and the cool-down it started is given
   * back (only if it is still the one it started), so the next keyword is answered.
   */
  replyMissed(groupId: string, reply: PendingReply, status: 'failed' | 'expired'): Promise<void>;
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
  /** The chat: a group or room, or for follow/unfollow the 1:1 chat (the userId). */
  groupId: string;
  /** `<receivedAt>#<first webhookEventId>`: unique per webhook and chat, sorted by arrival. */
  inboxKey: string;
  receivedAt: string;
  events: InboxEvent[];
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
  /**
   * Items of a batch the stream gave up on, kept (no TTL) for the sweep from `sweepAt` on; items
   * gone, settled or dead already are left as they are. How many were marked.
   */
  markForSweep(items: InboxItem[], sweepAfterMs: number, batch: StreamBatchInfo): Promise<number>;
  /** Items due for the sweep by `now`, oldest first. */
  dueForSweep(now: Date, limit: number): Promise<SweptItem[]>;
  /** Applied by the sweep: listed as swept for a while, then it expires like any other item. */
  settleSwept(item: InboxItem, at: Date): Promise<void>;
  /** Items waiting for the sweep and the ones it applied lately, newest first (`events failed`). */
  sweeps(limit?: number): Promise<SweptItem[]>;
  /** Applied: the members' message texts it kept for processing are dropped. */
  forgetText(item: InboxItem): Promise<void>;
}

/**
 * Where the stream's records were when the event source mapping gave up on them (AWS sends this,
 * not the records, to the on-failure destination: `DDBStreamBatchInfo`).
 */
export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** An inbox item the sweep takes (or took) because its stream batch gave up. */
export interface SweptItem extends InboxItem {
  sweep: 'due' | 'done';
  /** When it is due (`due`), or when it was applied (`done`). */
  sweepAt: string;
  abandonedBatch: Pick<StreamBatchInfo, 'shardId' | 'startSequenceNumber' | 'endSequenceNumber'>;
}

/** The inbox items a stream batch held, read again from the stream (or, past its 24 hours, the table). */
export interface StreamRecords {
  itemsOf(batch: StreamBatchInfo): Promise<InboxItem[]>;
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
  /** Sets these fields; one given as `undefined` is removed. */
  update(campaignId: string, fields: CampaignUpdate): Promise<void>;
  getMany(campaignId: string, groupIds: string[]): Promise<Map<string, Delivery>>;
  putMany(deliveries: Delivery[]): Promise<void>;
  /** Records an outcome; false if the delivery is already final. */
  settle(delivery: Delivery, status: DeliveryStatus, attempts: number, reason?: string): Promise<boolean>;
  deliveries(campaignId: string): Promise<Delivery[]>;
  /** Every campaign, newest first (an operator's campaigns: tens, not millions). */
  list(): Promise<Campaign[]>;
}

/** The AWS fan-out's bookkeeping: which queued batches of a campaign's plan are finished. */
export interface CampaignBatches {
  /**
   * Records batch `batch` of plan `planId` as finished (a redelivered batch counts once) and ends
   * the campaign `done` when it was the last one; true then. A batch of an older plan counts nothing.
   */
  finishBatch(campaignId: string, planId: string, batch: number): Promise<boolean>;
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
  setCouponKeyword(keyword: string, couponId: string): Promise<void>;
  /** Removes the keyword only while it still names this coupon (another may have taken it over). */
  removeCouponKeyword(keyword: string, couponId: string): Promise<void>;
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
  | 'inboxBatchesAbandoned'
  | 'peopleReadFailures'
  | 'inboxSwept'
  | 'outboxRetried'
  | 'repliesExpired'
  | 'webhookErrors'
  | 'signatureRejected'
  | 'welcomesSent'
  | 'couponRepliesSent'
  | 'memberWelcomesSent'
  | 'attendanceRepliesSent'
  | 'repliesFailed'
  | 'campaignPushesSent'
  | 'campaignPushesFailed'
  | 'campaignsPausedForQuota'
  | 'campaignsRefused'
  | 'narrowcastsSent'
  | 'narrowcastsSucceeded'
  | 'narrowcastsFailed';

export interface Telemetry {
  count(metric: MetricName, value?: number): void;
  /** Publishes what was counted now (before long work a timeout could cut short). */
  flush?(): void;
}

/** Structured logger (Powertools' Logger fits). Extra objects become JSON keys. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A member as stored: the facts, what it counts for in its chat's reach, its version. */
export interface StoredMember {
  member: Member;
  counted: { present: boolean; friend: boolean };
  version: number;
}

export interface MemberKey {
  groupId: string;
  userId: string;
}

/** The members table, with each chat's reach (written in the same transactions). */
export interface MemberStore {
  getMany(keys: MemberKey[]): Promise<StoredMember[]>;
  /**
   * Members whose facts changed, in one transaction; with `reach` (its version as read) when
   * their counts changed too, and the friendships they were counted by (unchanged since read).
   * @throws ConcurrentUpdateError when any of them changed since it was read (nothing is written)
   */
  save(
    changes: {
      member: Member;
      counted: StoredMember['counted'];
      expectedVersion: number | undefined;
      nameDue?: boolean;
    }[],
    reach?: {
      reach: ChatReach;
      expectedVersion: number | undefined;
      friendships: { userId: string; isFriend: boolean | undefined }[];
    },
  ): Promise<void>;
  /** A chat's members (a Query of its partition). */
  ofChat(groupId: string): Promise<StoredMember[]>;
  /** The chats a user is (or was) a member of, by the byUser index. */
  chatsOf(userId: string): Promise<string[]>;
  /** Members whose display name is owed by `now`. */
  namesDue(now: Date, limit: number): Promise<MemberKey[]>;
  /** The display name read from LINE (newer reads win); the name is no longer owed. */
  setName(key: MemberKey, displayName: string, at: Date): Promise<void>;
  /** A read that failed: tried again at `nextAt` (or given up: `undefined`). */
  nameFailed(key: MemberKey, nextAt: Date | undefined): Promise<void>;
  delete(key: MemberKey): Promise<void>;
  reach(groupId: string): Promise<{ reach: ChatReach; version: number } | undefined>;
  putReach(reach: ChatReach, expectedVersion: number | undefined): Promise<void>;
  /** Active chats by reach, lowest first (the byReach index), `below` a share when given. */
  lowestReach(options: { below?: number; limit?: number }): Promise<ChatReach[]>;
  deleteReach(groupId: string): Promise<void>;
}

export interface StoredFriendship {
  friendship: Friendship;
  version: number;
}

/** The friendships table: one item per user. */
export interface FriendshipStore {
  getMany(userIds: string[]): Promise<StoredFriendship[]>;
  /**
   * @throws ConcurrentUpdateError when it changed since it was read
   * `checkDueAt`: when LINE's profile API should be asked (undefined: not owed).
   */
  put(
    friendship: Friendship,
    expectedVersion: number | undefined,
    checkDueAt: Date | undefined,
  ): Promise<void>;
  /** Users whose friendship check is owed by `now`. */
  due(now: Date, limit: number): Promise<string[]>;
  delete(userId: string): Promise<void>;
}

/** What LINE says about people (the Messaging API). */
export interface PeopleApi {
  /** A member's display name, friend or not. @throws NotAMemberError when they are not in the chat */
  memberProfile(chatType: ChatType, groupId: string, userId: string): Promise<{ displayName: string }>;
  /** Whether the user is a friend: LINE's profile API answers 404 to anyone else. */
  isFriend(userId: string): Promise<boolean>;
  /**
   * The chat's member ids, a page (100) at a time. Verified and premium accounts only:
   * @throws NotAvailableError (403) for the others
   */
  memberIds(chatType: ChatType, groupId: string): AsyncIterable<string[]>;
}
