import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  defaultTableNames,
  tableDefinitions,
  tableRoles,
  type KeyAttribute,
  type TableRole,
} from '../../lambda/adapters/dynamodb/tables';

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/**
 * The registry's tables, from the same definitions DynamoDB Local is built from. Operators depend
 * on this data, so it survives `cdk destroy` (RETAIN) and an accidental delete (deletion protection).
 */
export class RegistryTables extends Construct {
  readonly tables: Record<TableRole, dynamodb.TableV2>;

  constructor(scope: Construct, id: string, props: { tableNames?: Partial<Record<TableRole, string>> } = {}) {
    super(scope, id);
    const table = (role: TableRole) => {
      const def = tableDefinitions[role];
      return new dynamodb.TableV2(this, role.charAt(0).toUpperCase() + role.slice(1), {
        tableName: props.tableNames?.[role] ?? defaultTableNames[role],
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey && { sortKey: attribute(def.sortKey) }),
        globalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey && { sortKey: attribute(index.sortKey) }),
          ...(index.projection === 'all'
            ? { projectionType: dynamodb.ProjectionType.ALL }
            : index.projection === 'keys'
              ? { projectionType: dynamodb.ProjectionType.KEYS_ONLY }
              : { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: index.projection }),
        })),
        ...(def.timeToLiveAttribute && { timeToLiveAttribute: def.timeToLiveAttribute }),
        ...(def.stream && { dynamoStream: dynamodb.StreamViewType[def.stream] }),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    };
    this.tables = Object.fromEntries(tableRoles.map((role) => [role, table(role)])) as Record<
      TableRole,
      dynamodb.TableV2
    >;
  }
}
