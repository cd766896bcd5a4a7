import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { operatorsCommand } from '../../lib/cli/operators';
import { UsageError } from '../../lib/cli/usage-error';
import { createTestTables, testDynamoDbEndpoint } from '../support/dynamodb';

// Cognito cannot run here: a stand-in on 127.0.0.1 receives what the real SDK sends (its JSON
// protocol: X-Amz-Target names the operation) and answers as Cognito documents.
interface Call {
  operation: string;
  body: Record<string, unknown>;
}

const POOL = 'ap-northeast-1_AbC123xyz';
let calls: Call[];
let server: Server;
let db: Awaited<ReturnType<typeof createTestTables>>;
let env: NodeJS.ProcessEnv;
const groupsOf = new Map<string, string[]>();

const answer = (call: Call): unknown => {
  const user = String(call.body.Username ?? '');
  switch (call.operation) {
    case 'AdminCreateUser':
      return { User: { Username: user, UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true } };
    case 'AdminListGroupsForUser':
      return { Groups: (groupsOf.get(user) ?? []).map((GroupName) => ({ GroupName })) };
    case 'AdminAddUserToGroup':
      groupsOf.set(user, [...(groupsOf.get(user) ?? []), String(call.body.GroupName)]);
      return {};
    case 'AdminRemoveUserFromGroup':
      groupsOf.set(
        user,
        (groupsOf.get(user) ?? []).filter((g) => g !== call.body.GroupName),
      );
      return {};
    case 'ListUsersInGroup':
      return {
        Users: [...groupsOf]
          .filter(([, groups]) => groups.includes(String(call.body.GroupName)))
          .map(([email]) => ({
            Username: `sub-${email}`,
            Attributes: [{ Name: 'email', Value: email }],
            UserStatus: 'CONFIRMED',
            Enabled: true,
          })),
      };
    default:
      return {};
  }
};

const saved = { ...process.env };
beforeAll(async () => {
  // The SDK's credential chain reads the process's environment: any keys do for the stand-in.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  db = await createTestTables();
  server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const call = {
        operation: String(req.headers['x-amz-target']).replace('AWSCognitoIdentityProviderService.', ''),
        body: JSON.parse(text || '{}') as Record<string, unknown>,
      };
      calls.push(call);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer(call)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = {
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(db.tables),
  };
});
beforeEach(() => (calls = []));
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await operatorsCommand(argv, (text) => out.push(text), env);
  return { code, text: out.join('\n') };
}

describe('npm run operators', () => {
  it('refuses bad arguments before any request: unknown command, no email, a bad role, no pool', async () => {
    const cases: [string[], RegExp][] = [
      [['promote', 'a@example.com', '--user-pool', POOL], /unknown command "promote"/],
      [['add', '--role', 'viewer', '--user-pool', POOL], /add: which email/],
      [['add', 'not-an-email', '--role', 'viewer', '--user-pool', POOL], /which email\? got "not-an-email"/],
      [
        ['add', 'a@example.com', '--role', 'admin', '--user-pool', POOL],
        /--role: expected viewer or operator/,
      ],
      [['set-role', 'a@example.com', '--user-pool', POOL], /--role: expected viewer or operator, got ""/],
      [['list', '--user-pool', 'pool-without-region'], /which user pool\?/],
      [['list', '--unknown-flag'], /Unknown option/],
    ];
    for (const [argv, message] of cases) {
      const refused = run(...argv);
      await expect(refused).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(message);
    }
    expect(calls).toEqual([]);
  });

  it('add: creates the user by email (verified, invited by email) in the role group, and audits it', async () => {
    const { code, text } = await run(
      'add',
      'staff@example.com',
      '--role',
      'viewer',
      '--user-pool',
      POOL,
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(text)).toEqual({ email: 'staff@example.com', role: 'viewer' });
    expect(calls).toEqual([
      {
        operation: 'AdminCreateUser',
        body: {
          UserPoolId: POOL,
          Username: 'staff@example.com',
          UserAttributes: [
            { Name: 'email', Value: 'staff@example.com' },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        },
      },
      { operation: 'AdminListGroupsForUser', body: { UserPoolId: POOL, Username: 'staff@example.com' } },
      {
        operation: 'AdminAddUserToGroup',
        body: { UserPoolId: POOL, Username: 'staff@example.com', GroupName: 'viewer' },
      },
    ]);
  });

  it('set-role: leaves the other role group and joins the new one; list shows each person once', async () => {
    await run('set-role', 'staff@example.com', '--role', 'operator', '--user-pool', POOL);
    expect(calls.map((c) => [c.operation, c.body.GroupName])).toEqual([
      ['AdminListGroupsForUser', undefined],
      ['AdminRemoveUserFromGroup', 'viewer'],
      ['AdminAddUserToGroup', 'operator'],
    ]);
    env.OPERATORS_USER_POOL_ID = POOL;
    const { text } = await run('list', '--json');
    expect(JSON.parse(text)).toEqual({
      operators: [{ email: 'staff@example.com', role: 'operator', status: 'CONFIRMED', enabled: true }],
    });
  });

  it('remove: deletes the user; every change is in the audit trail as the CLI', async () => {
    await run('remove', 'staff@example.com', '--user-pool', POOL);
    expect(calls).toEqual([
      { operation: 'AdminDeleteUser', body: { UserPoolId: POOL, Username: 'staff@example.com' } },
    ]);
    const client = DynamoDBDocumentClient.from(db.client);
    const trail = await new DynamoDbAuditLog(client, db.tables.audit).since(
      new Date(Date.now() - 60_000),
      new Date(),
      10,
    );
    expect(trail.map((e) => [e.action, e.target, e.details.role, e.actor.subject, e.role])).toEqual([
      ['operators.remove', 'operator:staff@example.com', undefined, 'cli:local', 'cli'],
      ['operators.set-role', 'operator:staff@example.com', 'operator', 'cli:local', 'cli'],
      ['operators.add', 'operator:staff@example.com', 'viewer', 'cli:local', 'cli'],
    ]);
  });
});
