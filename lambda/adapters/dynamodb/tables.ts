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
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
  timeToLiveAttribute?: string;
}

/** Index on the groups table that answers "which chats have status X (since T)". */
export const BY_STATUS_INDEX = 'byStatus';

export const groupsTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_STATUS_INDEX,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'statusChangedAt', type: 'S' },
    },
  ],
};

export const groupEventsTable: TableDefinition = {
  partitionKey: { name: 'groupId', type: 'S' },
  // `<ISO time>#<webhookEventId>`: sorts by time, and is unique per webhook event.
  sortKey: { name: 'eventKey', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
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
  globalSecondaryIndexes: [],
};

/** One item per (campaign, group): intent, then result. Makes each push happen once. */
export const deliveriesTable: TableDefinition = {
  partitionKey: { name: 'campaignId', type: 'S' },
  sortKey: { name: 'groupId', type: 'S' },
  globalSecondaryIndexes: [],
};

export const tableDefinitions = {
  groups: groupsTable,
  groupEvents: groupEventsTable,
  coupons: couponsTable,
  settings: settingsTable,
  campaigns: campaignsTable,
  deliveries: deliveriesTable,
} as const;
export type TableRole = keyof typeof tableDefinitions;
export const tableRoles = Object.keys(tableDefinitions) as TableRole[];

/** Default physical names: the same for the local stack, the CLIs and the CDK stack. */
export const defaultTableNames: Record<TableRole, string> = {
  groups: 'line-groups-groups',
  groupEvents: 'line-groups-group-events',
  coupons: 'line-groups-coupons',
  settings: 'line-groups-settings',
  campaigns: 'line-groups-campaigns',
  deliveries: 'line-groups-deliveries',
};

/** The environment variable that names each table (the functions, the local stack and the CLIs). */
export const tableEnvironment: Record<TableRole, string> = {
  groups: 'GROUPS_TABLE',
  groupEvents: 'GROUP_EVENTS_TABLE',
  coupons: 'COUPONS_TABLE',
  settings: 'SETTINGS_TABLE',
  campaigns: 'CAMPAIGNS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
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
