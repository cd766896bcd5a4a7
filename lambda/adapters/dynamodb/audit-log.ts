import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_RETENTION_DAYS, type AuditEntry, auditMonths } from '../../domain/audit';
import type { AuditLog } from '../../app/audit/audit-log';

/**
 * The audit table: one partition per month (`YYYY-MM`), entries sorted by `<at>#<random>`, so a
 * `--since 7d` is one or two Queries and never a Scan. Operators change things a few times a day:
 * a month's partition stays far below DynamoDB's per-partition limits.
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const expiresAt = Math.floor(Date.parse(entry.at) / 1000) + AUDIT_RETENTION_DAYS * 86_400;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { month: entry.at.slice(0, 7), entryKey: `${entry.at}#${randomUUID()}`, ...entry, expiresAt },
        // An entry is written once: a put never replaces one already there.
        ConditionExpression: 'attribute_not_exists(entryKey)',
      }),
    );
  }

  async since(since: Date, now: Date, limit: number): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for (const month of auditMonths(since, now)) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#month = :month AND entryKey >= :since',
            ExpressionAttributeNames: { '#month': 'month' },
            ExpressionAttributeValues: { ':month': month, ':since': since.toISOString() },
            ScanIndexForward: false,
            Limit: limit - entries.length,
            ...(ExclusiveStartKey && { ExclusiveStartKey }),
          }),
        );
        for (const item of page.Items ?? []) {
          const { at, actor, role, action, target, details } = item as AuditEntry;
          entries.push({ at, actor, role, action, target, details });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey && entries.length < limit);
      if (entries.length >= limit) break;
    }
    return entries;
  }
}
