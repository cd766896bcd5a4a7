import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { audit } from '../../lambda/app/audit/audit-log';
import { InvalidAuditEntryError } from '../../lambda/domain/audit';
import { auditCommand } from '../../lib/cli/audit';
import { UsageError } from '../../lib/cli/usage-error';
import { createTestTables, testDynamoDbEndpoint } from '../support/dynamodb';

let db: Awaited<ReturnType<typeof createTestTables>>;
let log: DynamoDbAuditLog;
let env: NodeJS.ProcessEnv;
const operator = { actor: { subject: 'sub-1', email: 'operator@example.com' }, role: 'operator' as const };
const DAY = 86_400_000;

beforeAll(async () => {
  db = await createTestTables();
  log = new DynamoDbAuditLog(DynamoDBDocumentClient.from(db.client), db.tables.audit);
  env = { DYNAMODB_ENDPOINT: testDynamoDbEndpoint(), ...environmentFor(db.tables) };
  const now = Date.now();
  // Ten days ago (last month too, around a month's turn), two days ago, and just now.
  await audit(log, operator, { action: 'coupons.create', target: 'coupon:old' }, new Date(now - 10 * DAY));
  await audit(
    log,
    operator,
    { action: 'groups.leave', target: 'group:Cabc', details: { confirm: 'yes', note: 'x'.repeat(500) } },
    new Date(now - 2 * DAY),
  );
  await audit(
    log,
    { actor: { subject: 'cli:local' }, role: 'cli' },
    { action: 'coupons.close', target: 'coupon:c1' },
    new Date(now),
  );
});
afterAll(() => db.drop());

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await auditCommand(argv, (text) => out.push(text), env);
  return { code, text: out.join('\n') };
}

describe('npm run audit', () => {
  it('list --json: {"entries": [...]}, newest first, 7 days by default', async () => {
    const { code, text } = await run('list', '--json');
    expect(code).toBe(0);
    const { entries } = JSON.parse(text) as { entries: { action: string; actor: unknown; role: string }[] };
    expect(entries.map((e) => e.action)).toEqual(['coupons.close', 'groups.leave']);
    expect(entries[0]).toMatchObject({ actor: { subject: 'cli:local' }, role: 'cli', target: 'coupon:c1' });
    expect(entries[1]).toMatchObject({ actor: operator.actor, role: 'operator', target: 'group:Cabc' });
    // Details are kept short.
    expect((entries[1] as unknown as { details: { note: string } }).details.note.length).toBeLessThanOrEqual(
      201,
    );
  });

  it('--since 30d reaches further back, across months; --since 1d less', async () => {
    const far = JSON.parse((await run('list', '--since', '30d', '--json')).text) as { entries: unknown[] };
    expect(far.entries).toHaveLength(3);
    const near = JSON.parse((await run('list', '--since', '1d', '--json')).text) as { entries: unknown[] };
    expect(near.entries).toHaveLength(1);
    const table = (await run('list', '--since', '30d')).text;
    expect(table).toContain('operator@example.com sub-1');
    expect(table).toContain('3 change(s) since');
  });

  it('bad arguments are usage errors; a bad entry is refused and nothing is written', async () => {
    await expect(run('list', '--since', 'yesterday')).rejects.toBeInstanceOf(UsageError);
    await expect(run('list', '--limit', '0')).rejects.toThrow(/--limit/);
    await expect(run('delete')).rejects.toThrow(/unknown command "delete"/);
    await expect(
      audit(
        log,
        { actor: { subject: '' }, role: 'cli' },
        { action: 'coupons.create', target: 'coupon:x' },
        new Date(),
      ),
    ).rejects.toBeInstanceOf(InvalidAuditEntryError);
    await expect(
      audit(log, operator, { action: 'DROP TABLE', target: 'coupon:x' }, new Date()),
    ).rejects.toBeInstanceOf(InvalidAuditEntryError);
    const all = JSON.parse((await run('list', '--since', '30d', '--json')).text) as { entries: unknown[] };
    expect(all.entries).toHaveLength(3);
  });
});
