/**
 * The one description of our DynamoDB tables. The CDK stack (lib/) and the local stack
 * (DynamoDB Local in `npm start` and the tests) are both built from it, so they cannot drift.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: {
    indexName: string;
    partitionKey: KeyAttribute;
    sortKey?: KeyAttribute;
    /**
     * What the index holds besides the keys: a list (INCLUDE), 'keys' (KEYS_ONLY) or 'all'. An
     * attribute written often (lastActivityAt, version) stays out, or every such write costs a
     * second write to the index.
     */
    projection: string[] | 'keys' | 'all';
  }[];
  timeToLiveAttribute?: string;
  /**
   * A DynamoDB Stream: new images (the inbox: what the processor consumes), or keys only (the
   * members: a member TTL deleted recounts the chat's reach).
   */
  stream?: 'NEW_IMAGE' | 'KEYS_ONLY';
}

/** Index on the groups table that answers "which chats have status X (since T)". */
export const BY_STATUS_INDEX = 'byStatus';
/** Sparse index on the groups table: chats whose name and size LINE still owes us, by due time. */
export const BY_ENRICHMENT_DUE_INDEX = 'byEnrichmentDue';
/** Sparse index on the inbox: events whose processing gave up (dead letters), by when. */
export const DEAD_LETTERS_INDEX = 'deadLetters';
/** Sparse index on the inbox: items of stream batches AWS gave up on (`due`), and lately swept (`done`). */
export const SWEEP_INDEX = 'sweep';
/** Sparse index on the group events table: outbox entries not done yet, oldest first (the sweep). */
export const OUTBOX_INDEX = 'outbox';
/** On the members table: the chats of one user (a deletion or access request, a friendship change). */
export const BY_USER_INDEX = 'byUser';
/** Sparse, on the members table: members whose display name is owed, by when. */
export const NAMES_DUE_INDEX = 'namesDue';
/** Sparse, on the friendships table: users whose friendship LINE should be asked about, by when. */
export const CHECKS_DUE_INDEX = 'checksDue';
/** Sparse, on the chat reach table: active chats by reach, lowest first. */
export const BY_REACH_INDEX = 'byReach';
/** Sparse, on the campaigns table: unfinished narrowcasts by their next check (the follower's work). */
export const NARROWCASTS_DUE_INDEX = 'narrowcastsDue';

export const groupsTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_STATUS_INDEX,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'statusChangedAt', type: 'S' },
      // What operators list and campaigns plan from; lastActivityAt is read per chat (`show`).
      projection: [
        'chatType',
        'leaveReason',
        'groupName',
        'memberCount',
        'joinCount',
        'joinedAt',
        'leftAt',
        'firstSeenAt',
      ],
    },
    {
      indexName: BY_ENRICHMENT_DUE_INDEX,
      partitionKey: { name: 'enrichment', type: 'S' },
      sortKey: { name: 'enrichmentDueAt', type: 'S' },
      projection: 'keys',
    },
  ],
};

/**
 * What the webhook stores before it answers LINE: one item per chat per webhook, keyed by chat so
 * the stream keeps each chat's events in order. Its stream feeds the processor; items expire
 * (TTL) unless they became dead letters.
 */
export const inboxTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  sortKey: { name: 'inboxKey', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: DEAD_LETTERS_INDEX,
      partitionKey: { name: 'deadLetter', type: 'S' },
      sortKey: { name: 'failedAt', type: 'S' },
      projection: 'all',
    },
    {
      // Keyed only once the stream gave up on an item: nothing a routine webhook writes lands here.
      indexName: SWEEP_INDEX,
      partitionKey: { name: 'sweep', type: 'S' },
      sortKey: { name: 'sweepAt', type: 'S' },
      projection: 'all',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_IMAGE',
};

export const groupEventsTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  // `<ISO time>#<webhookEventId>`: sorts by time, and is unique per webhook event. Beside the
  // records, `outbox#<eventKey>` items hold what a save left to do after its commit.
  sortKey: { name: 'eventKey', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: OUTBOX_INDEX,
      partitionKey: { name: 'outbox', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
      projection: 'all',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Counts the registry keeps as events are processed, in the same transactions: chats per status
 * (`statKey: status`), and leaves per span of time (`leaveBurst#<start>`) for mass leaves.
 */
export const registryStatsTable: TableDefinition = {
  partitionKey: { name: 'statKey', type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * The people of each chat: one item per (chat, member), personal data kept to what is listed in
 * README, expiring (TTL) a while after they were last seen. `byUser` finds one person's items
 * without a Scan; `namesDue` holds only members whose name LINE still owes.
 */
export const membersTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  sortKey: { name: 'userId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_USER_INDEX,
      partitionKey: { name: 'userId', type: 'S' },
      sortKey: { name: 'groupId', type: 'S' },
      projection: 'keys',
    },
    {
      indexName: NAMES_DUE_INDEX,
      partitionKey: { name: 'nameDue', type: 'S' },
      sortKey: { name: 'nameDueAt', type: 'S' },
      projection: ['nameAttempts'],
    },
  ],
  timeToLiveAttribute: 'expiresAt',
  stream: 'KEYS_ONLY',
};

/** Whether each user is a friend of the OA (a broadcast reaches friends only), one item per user. */
export const friendshipsTable: TableDefinition = {
  partitionKey: { name: 'userId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: CHECKS_DUE_INDEX,
      partitionKey: { name: 'checkDue', type: 'S' },
      sortKey: { name: 'checkDueAt', type: 'S' },
      projection: 'keys',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/** Each chat's reach: known members, friends, LINE's member count, friends over that count. */
export const chatReachTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_REACH_INDEX,
      partitionKey: { name: 'reachList', type: 'S' },
      sortKey: { name: 'reach', type: 'N' },
      projection: 'all',
    },
  ],
};

/** LINE coupons we send: what we need to send one (id, title, validity, status). */
export const couponsTable: TableDefinition = {
  partitionKey: { name: 'couponId', type: 'S' },
  globalSecondaryIndexes: [],
};

/** Operator settings that change without a deploy: the group coupon, keywords, message templates. */
export const settingsTable: TableDefinition = {
  partitionKey: { name: 'setting', type: 'S' },
  globalSecondaryIndexes: [],
};

/** One item per operator campaign. */
export const campaignsTable: TableDefinition = {
  partitionKey: { name: 'campaignId', type: 'S' },
  globalSecondaryIndexes: [
    {
      // Keyed only while a narrowcast is unfinished: push campaigns and finished ones are not in it.
      indexName: NARROWCASTS_DUE_INDEX,
      partitionKey: { name: 'followDue', type: 'S' },
      sortKey: { name: 'nextCheckAt', type: 'S' },
      projection: 'all',
    },
  ],
};

/** One item per (campaign, group): intent, then result. Makes each push happen once. */
export const deliveriesTable: TableDefinition = {
  partitionKey: { name: 'campaignId', type: 'S' },
  sortKey: { name: 'groupId', type: 'S' },
  globalSecondaryIndexes: [],
};

/** The audit trail (lambda/domain/audit.ts): one partition per month, entries by time; they expire. */
export const auditTable: TableDefinition = {
  partitionKey: { name: 'month', type: 'S' },
  sortKey: { name: 'entryKey', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The audiences this product uploaded to LINE: how each was chosen and up to when. No user id:
 * LINE holds those.
 */
export const audiencesTable: TableDefinition = {
  partitionKey: { name: 'audienceGroupId', type: 'N' },
  globalSecondaryIndexes: [],
};

/** On the attendance table: one person's punches and corrections (a deletion or access request). */
export const ATTENDANCE_BY_USER_INDEX = 'attendanceByUser';
/** Sparse, on the attendance table: corrections waiting for an operator, oldest first. */
export const PENDING_CORRECTIONS_INDEX = 'pendingCorrections';

/**
 * Attendance, per chat (`groupId`) and `itemKey`: `settings` (the switch), `punch#<at>#<eventId>`,
 * `correction#<date>#<eventId>`, `answered#<at>#<eventId>` (a day, to answer once). Punches and
 * corrections expire (TTL) after the stated retention.
 */
export const attendanceTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  sortKey: { name: 'itemKey', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: ATTENDANCE_BY_USER_INDEX,
      partitionKey: { name: 'userId', type: 'S' },
      sortKey: { name: 'itemKey', type: 'S' },
      projection: 'keys',
    },
    {
      indexName: PENDING_CORRECTIONS_INDEX,
      partitionKey: { name: 'pending', type: 'S' },
      sortKey: { name: 'requestedAt', type: 'S' },
      projection: 'all',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};

export const tableDefinitions = {
  inbox: inboxTable,
  groups: groupsTable,
  groupEvents: groupEventsTable,
  registryStats: registryStatsTable,
  coupons: couponsTable,
  settings: settingsTable,
  campaigns: campaignsTable,
  deliveries: deliveriesTable,
  members: membersTable,
  friendships: friendshipsTable,
  chatReach: chatReachTable,
  audit: auditTable,
  audiences: audiencesTable,
  attendance: attendanceTable,
} as const;
export type TableRole = keyof typeof tableDefinitions;
export const tableRoles = Object.keys(tableDefinitions) as TableRole[];

/** Default physical names: the same for the local stack, the CLIs and the CDK stack. */
export const defaultTableNames: Record<TableRole, string> = {
  inbox: 'line-groups-inbox',
  groups: 'line-groups-groups',
  groupEvents: 'line-groups-group-events',
  registryStats: 'line-groups-registry-stats',
  coupons: 'line-groups-coupons',
  settings: 'line-groups-settings',
  campaigns: 'line-groups-campaigns',
  deliveries: 'line-groups-deliveries',
  members: 'line-groups-members',
  friendships: 'line-groups-friendships',
  chatReach: 'line-groups-chat-reach',
  audit: 'line-groups-audit',
  audiences: 'line-groups-audiences',
  attendance: 'line-groups-attendance',
};

/** The environment variable that names each table (the functions, the local stack and the CLIs). */
export const tableEnvironment: Record<TableRole, string> = {
  inbox: 'INBOX_TABLE',
  groups: 'GROUPS_TABLE',
  groupEvents: 'GROUP_EVENTS_TABLE',
  registryStats: 'REGISTRY_STATS_TABLE',
  coupons: 'COUPONS_TABLE',
  settings: 'SETTINGS_TABLE',
  campaigns: 'CAMPAIGNS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  members: 'MEMBERS_TABLE',
  friendships: 'FRIENDSHIPS_TABLE',
  chatReach: 'CHAT_REACH_TABLE',
  audit: 'AUDIT_TABLE',
  audiences: 'AUDIENCES_TABLE',
  attendance: 'ATTENDANCE_TABLE',
};

export function tableNamesFrom(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<TableRole, string>> = {},
): Record<TableRole, string> {
  return Object.fromEntries(
    tableRoles.map((role) => [
      role,
      overrides[role] || env[tableEnvironment[role]] || defaultTableNames[role],
    ]),
  ) as Record<TableRole, string>;
}

/** The environment that names these tables, e.g. for a function or a child process. */
export function environmentFor(tables: Record<TableRole, string>): Record<string, string> {
  return Object.fromEntries(tableRoles.map((role) => [tableEnvironment[role], tables[role]]));
}
