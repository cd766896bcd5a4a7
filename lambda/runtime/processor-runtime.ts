import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { clientConfig, documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbStreamRecords } from '../adapters/dynamodb/stream-records';
import type { InboxSweepDeps } from '../app/inbox-sweep';
import { DynamoDbAttendanceStore } from '../adapters/dynamodb/attendance-store';
import { DynamoDbCouponStore } from '../adapters/dynamodb/coupon-store';
import { DynamoDbGroupRegistry, MAX_EVENTS_PER_SAVE } from '../adapters/dynamodb/group-registry';
import { DynamoDbInbox } from '../adapters/dynamodb/inbox';
import { DynamoDbFriendshipStore } from '../adapters/dynamodb/friendship-store';
import { DynamoDbMemberStore } from '../adapters/dynamodb/member-store';
import { DynamoDbOutbox } from '../adapters/dynamodb/outbox';
import { ChatCache } from '../app/chat-cache';
import { MemberCache } from '../app/members/member-cache';
import type { PeopleReadDeps } from '../app/members/read-people';
import { defaultReplyPolicy } from '../domain/coupon-policy';
import { DynamoDbRegistryStats } from '../adapters/dynamodb/registry-stats';
import { cachedOffers, DynamoDbSettingsStore } from '../adapters/dynamodb/settings-store';
import { type EnrichDeps, enrichGroups } from '../app/enrich-groups';
import type { OutboxDeps } from '../app/outbox';
import type { Log, Telemetry } from '../app/ports';
import type { ProcessInboxDeps } from '../app/process-inbox';
import type { Config } from '../config';
import { lineApiFor } from './line-client';
import { channelCredentials } from './secrets';

export interface ProcessorRuntime {
  processing: ProcessInboxDeps;
  enrichment: EnrichDeps;
  /** The inbox sweep: what the stream gave up on, and work left after a commit. */
  sweep: InboxSweepDeps;
}

/** Wires processing and enrichment from config: shared by their Lambdas, the local stack and the CLIs. */
export async function createProcessorRuntime(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
): Promise<ProcessorRuntime> {
  const credentials = await channelCredentials(config);
  const client = documentClient(config);
  const coupons = new DynamoDbCouponStore(client, config.tables.coupons);
  const settings = new DynamoDbSettingsStore(client, config.tables.settings);
  const registry = new DynamoDbGroupRegistry({
    client,
    tables: config.tables,
    eventRetentionDays: config.eventRetentionDays,
  });
  const line = lineApiFor(credentials, config.lineApiBaseUrl);
  const clock = { now: () => new Date() };
  const members = new DynamoDbMemberStore({
    client,
    tables: config.tables,
    retentionDays: config.memberRetentionDays,
  });
  const people: PeopleReadDeps = {
    members,
    friendships: new DynamoDbFriendshipStore({
      client,
      tableName: config.tables.friendships,
      retentionDays: config.memberRetentionDays,
    }),
    // Kept for the container's life: a member's second message of a day costs nothing.
    memberCache: new MemberCache(),
    line,
    recheckMs: config.friendshipRecheckMs,
    timeoutMs: config.lookupTimeoutMs,
    memberListing: {},
    clock,
    ...observe,
  };
  // What every save's after-commit work needs (the outbox), for processing and enrichment alike.
  const afterCommit: OutboxDeps = {
    members,
    // Kept for the container's life, like the members: every save is conditioned on its versions.
    chatCache: new ChatCache(),
    memberCache: people.memberCache,
    registry,
    replies: line,
    replyPolicy: { ...defaultReplyPolicy, memberWelcomeCooldownMs: config.memberWelcomeCooldownMs },
    outbox: new DynamoDbOutbox(client, config.tables.groupEvents),
    directory: registry,
    stats: new DynamoDbRegistryStats(client, config.tables.registryStats),
    policy: { ejectionWindowMs: config.ejectionWindowMs },
    massLeave: config.massLeave,
    clock,
    ...observe,
  };
  const enrichment: EnrichDeps = { ...afterCommit, line, enrichment: config.enrichment };
  const processing: ProcessInboxDeps = {
    ...afterCommit,
    offers: cachedOffers(() => settings.offers(coupons), config.settingsCacheMs),
    maxEventsPerSave: MAX_EVENTS_PER_SAVE,
    // Kept for the container's life, like the members: saves are conditioned on its versions.
    inbox: new DynamoDbInbox({
      client,
      tableName: config.tables.inbox,
      retentionDays: config.inboxRetentionDays,
      deadLetterRetentionDays: config.deadLetterRetentionDays,
    }),
    maxAttempts: config.processingMaxAttempts,
    enrich: (groupIds) => enrichGroups(groupIds, config.lookupTimeoutMs, enrichment),
    people,
    attendance: {
      store: new DynamoDbAttendanceStore({
        client,
        tables: config.tables,
        retentionDays: config.attendance.retentionDays,
      }),
      openShiftMs: config.attendance.openShiftMs,
    },
  };
  const sweep: InboxSweepDeps = {
    ...processing,
    streamRecords: new DynamoDbStreamRecords(
      new DynamoDBStreamsClient(clientConfig(config)),
      client,
      config.tables.inbox,
    ),
    sweepAfterMs: config.inboxSweepAfterMs,
  };
  return { processing, enrichment, sweep };
}
