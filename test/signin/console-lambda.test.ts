import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { lineApiFor } from '../../lambda/runtime/line-client';
import { createConsoleApp } from '../../lib/console/app';
import { consoleAuthFrom, ConsoleAuthConfigError } from '../../lib/console/auth/config';
import { seal, type Session } from '../../lib/console/auth/session';
import { consoleDeps } from '../../lib/console/deps';
import { createTestTables } from '../support/dynamodb';

// The console as the stack deploys it: Hono's Lambda adapter answering API Gateway (HTTP API)
// events on https, against DynamoDB Local. No sign-in happens here (the browser tests do that):
// these are the answers before and around it.
const HOST = 'abc123.execute-api.ap-northeast-1.amazonaws.com';
const env = {
  CONSOLE_AUTH: 'oidc',
  OIDC_ISSUER: 'https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC123xyz',
  OIDC_CLIENT_ID: 'client',
  CONSOLE_PUBLIC_URL: `https://${HOST}/`,
  CONSOLE_SESSION_SECRET: 'x'.repeat(40),
  COGNITO_LOGOUT_URL: 'https://line-groups-123.auth.ap-northeast-1.amazoncognito.com/logout',
};
let db: Awaited<ReturnType<typeof createTestTables>>;
let handler: ReturnType<typeof handle>;
const auth = consoleAuthFrom(env);

const event = (path: string, headers: Record<string, string> = {}, method = 'GET'): LambdaEvent => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: '',
  headers: { host: HOST, 'x-forwarded-proto': 'https', ...headers },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    authentication: null,
    authorizer: {},
    domainName: HOST,
    domainPrefix: 'abc123',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
    requestId: 'r',
    routeKey: '$default',
    stage: '$default',
    time: '',
    timeEpoch: 0,
  },
  isBase64Encoded: false,
  body: method === 'POST' ? 'title=x&days=30&percentage=10' : null,
});
const cookieFor = (role: Session['role']) => {
  if (auth.mode !== 'oidc') throw new Error('oidc expected');
  const now = Date.now();
  const session: Session = {
    subject: 'sub-9',
    email: 'ops@example.com',
    signedInAt: now,
    seenAt: now,
    ...(role && { role }),
  };
  return `lg_session=${seal(auth.sessionKey, 'lg_session', session)}`;
};

beforeAll(async () => {
  db = await createTestTables();
  const deps = consoleDeps({
    client: DynamoDBDocumentClient.from(db.client),
    tables: db.tables,
    line: lineApiFor({ channelSecret: 's', channelAccessToken: 't' }, 'http://127.0.0.1:9'),
    log: () => undefined,
  });
  handler = handle(createConsoleApp(deps, 443, auth));
});
afterAll(() => db.drop());

describe('the console on Lambda (CONSOLE_AUTH=oidc, https)', () => {
  it('no session: to the sign-in, with HSTS and the CSP', async () => {
    const answer = await handler(event('/groups'));
    expect(answer.statusCode).toBe(302);
    expect(answer.headers?.location).toBe('/auth/login?return=%2Fgroups');
    expect(answer.headers?.['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(answer.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    // Signing out posts, then is sent on to the provider's sign-out: only there.
    expect(answer.headers?.['content-security-policy']).toContain(
      "form-action 'self' https://cognito-idp.ap-northeast-1.amazonaws.com https://line-groups-123.auth.ap-northeast-1.amazoncognito.com;",
    );
  });

  it('another Host is refused (421) before anything else', async () => {
    const answer = await handler(event('/groups', { host: 'evil.example' }));
    expect(answer.statusCode).toBe(421);
  });

  it("a viewer's page: the groups, no change forms, and a Secure, HttpOnly, SameSite=Lax cookie renewed", async () => {
    const answer = await handler(event('/coupons', { cookie: cookieFor('viewer') }));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).not.toContain('action="/coupons"');
    expect(answer.body).toContain('action="/auth/logout"');
    const cookie = [
      answer.multiValueHeaders?.['set-cookie'] ?? answer.headers?.['set-cookie'],
      answer.cookies,
    ]
      .flat()
      .filter(Boolean)
      .join('\n');
    expect(cookie).toMatch(/lg_session=[^;]+;.*HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it("an operator's page has the forms; a viewer's POST is 403; no role is 403 everywhere", async () => {
    const operator = await handler(event('/coupons', { cookie: cookieFor('operator') }));
    expect(operator.body).toContain('action="/coupons"');
    const post = await handler(
      event(
        '/coupons',
        {
          cookie: cookieFor('viewer'),
          origin: `https://${HOST}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        'POST',
      ),
    );
    expect(post.statusCode).toBe(403);
    expect((await handler(event('/', { cookie: cookieFor(undefined) }))).statusCode).toBe(403);
  });

  it('settings: oidc needs its variables, https beyond loopback, and a long enough session secret', () => {
    expect(consoleAuthFrom({})).toEqual({ mode: 'none' });
    expect(() => consoleAuthFrom({ CONSOLE_AUTH: 'saml' })).toThrow(ConsoleAuthConfigError);
    expect(() => consoleAuthFrom({ CONSOLE_AUTH: 'oidc' })).toThrow(
      /OIDC_ISSUER, OIDC_CLIENT_ID, CONSOLE_PUBLIC_URL/,
    );
    expect(() => consoleAuthFrom({ ...env, CONSOLE_PUBLIC_URL: 'http://console.example.com/' })).toThrow(
      /https/,
    );
    expect(() => consoleAuthFrom({ ...env, CONSOLE_SESSION_SECRET: 'short' })).toThrow(/32/);
    expect(consoleAuthFrom({ ...env, OIDC_ROLES_CLAIM: 'roles' })).toMatchObject({ rolesClaim: 'roles' });
  });
});
