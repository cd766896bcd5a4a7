import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import { audit, type Auditor, listAudit } from '../../lambda/app/audit/audit-log';
import { parseCommandLine } from './args';
import { connect, type ConnectionFlags, connectionOptions } from './connection';
import { parseSince } from './groups';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const auditUsage = `Usage:
  npm run audit -- list [--since 7d|<ISO time>] [--limit 500]   who changed what (console and CLIs), newest first
Add --json for {"entries": [...]}, --aws for AWS (else the local stack).`;

/**
 * Who runs this CLI: `cli:<the caller's AWS identity ARN>` with --aws, `cli:local` on the local
 * stack (DynamoDB Local has no identities).
 */
export async function cliAuditor(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<Auditor> {
  if (!flags.aws || env.DYNAMODB_ENDPOINT) return { actor: { subject: 'cli:local' }, role: 'cli' };
  const sts = new STSClient({});
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    return { actor: { subject: `cli:${Arn ?? 'unknown'}` }, role: 'cli' };
  } finally {
    sts.destroy();
  }
}

/** What a CLI calls after each change it made: one audit entry, as the CLI's identity. */
export type RecordChange = (
  action: string,
  target: string,
  details?: Record<string, unknown>,
) => Promise<void>;

export function cliAudit(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  client: DynamoDBDocumentClient,
  tables: Record<TableRole, string>,
): RecordChange {
  const log = new DynamoDbAuditLog(client, tables.audit);
  let auditor: Promise<Auditor> | undefined;
  return async (action, target, details) => {
    auditor ??= cliAuditor(flags, env);
    await audit(log, await auditor, { action, target, ...(details && { details }) }, new Date());
  };
}

const COLUMNS = ['at', 'who', 'role', 'action', 'target', 'details'];

/** `npm run audit -- list`: the trail, read only (nothing here or in the console changes it). */
export async function auditCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    { ...connectionOptions, since: { type: 'string', default: '7d' }, limit: { type: 'string' } },
    auditUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command] = positionals;
  if (command !== 'list') throw new UsageError(`unknown command "${command}"\n\n${auditUsage}`);
  const since = new Date(parseSince(values.since));
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--limit: expected a positive whole number, got "${values.limit}"`);
  const { client, tables } = connect(values, env);
  try {
    const entries = await listAudit(new DynamoDbAuditLog(client, tables.audit), {
      since,
      now: new Date(),
      ...(limit && { limit }),
    });
    if (values.json) out(JSON.stringify({ entries }, null, 2));
    else {
      const rows = entries.map((e) => ({
        ...e,
        who: [e.actor.email, e.actor.subject].filter(Boolean).join(' '),
        details: Object.entries(e.details)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      }));
      out(`${formatTable(rows, COLUMNS)}\n${entries.length} change(s) since ${since.toISOString()}`);
    }
    return 0;
  } finally {
    client.destroy();
  }
}
