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

export const tableDefinitions = { groups: groupsTable, groupEvents: groupEventsTable } as const;
export type TableRole = keyof typeof tableDefinitions;

/** Default physical names: the same for the local stack, the CLIs and the CDK stack. */
export const defaultTableNames: Record<TableRole, string> = {
  groups: 'line-groups-groups',
  groupEvents: 'line-groups-group-events',
};
