import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { apiGatewayEvent } from '../../lib/local/api-gateway-event';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { newGroupId, signature, webhookBody, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { createTestTables, testDynamoDbEndpoint } from '../support/dynamodb';
import { startLocalProcessing } from '../../lib/local/processing';
import { pseudonym } from '../../lambda/runtime/redact-user-ids';

// The Lambda entry points themselves (webhook, then the processor on the inbox stream), with
// Powertools' real logger at DEBUG, on every path we have: nothing they print may contain the
// channel secret or the access token, nor a member's user id or display name (personal data): a
// user id may appear only as its one-way pseudonym.
const SECRET = 'chan-secret-7f3a9c1e5b';
const TOKEN = 'access-token-Qz8wK2nV4tLr';
const MEMBER = `U${'7e1d'.repeat(8)}`;
const SENDER = `U${'a0b9'.repeat(8)}`;
const NAME = '山田花子テスト';
const saved = { ...process.env };
let line: LineEmulator;
let drop: () => Promise<void>;
let inboxTable: string;
let printed = '';

beforeAll(async () => {
  const db = await createTestTables();
  drop = db.drop;
  inboxTable = db.tables.inbox;
  line = await startLineEmulator({ channelAccessToken: TOKEN });
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(db.tables),
    LINE_API_BASE_URL: line.url,
    LINE_CHANNEL_SECRET: SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: TOKEN,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'LineGroups',
  });
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += chunk.toString();
      return true;
    });
  }
});
afterAll(async () => {
  jest.restoreAllMocks();
  process.env = saved;
  await line.close();
  await drop();
});

it('no log line contains the channel secret, the access token, a user id or a member name', async () => {
  const { handler } = await import('../../lambda/handlers/webhook');
  const call = (body: string, sig: string) =>
    handler(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhook',
        headers: { 'x-line-signature': sig },
        body: Buffer.from(body),
      }),
    );
  const good = (events: ReturnType<typeof webhookEvents.join>[]) => {
    const body = webhookBody(events);
    return call(body, signature(body, SECRET));
  };

  const groupId = newGroupId();
  expect(
    (await good([webhookEvents.join(groupId, { replyToken: line.state.issueReplyToken(groupId) })]))
      .statusCode,
  ).toBe(200);
  expect((await call(webhookBody([webhookEvents.join(newGroupId())]), 'forged')).statusCode).toBe(401);
  expect((await call('{not json', signature('{not json', SECRET))).statusCode).toBe(400);
  // Members and a sender, whose profile reads LINE then fails (errors name the URL, with the id).
  line.state.chats.set(groupId, { chatType: 'group', groupName: 'g', memberCount: 3, isMember: true });
  expect(
    (
      await good([
        webhookEvents.memberJoined(groupId, [MEMBER], { replyToken: line.state.issueReplyToken(groupId) }),
        webhookEvents.message(groupId, `${NAME}です`, { userId: SENDER }),
      ])
    ).statusCode,
  ).toBe(200);
  // LINE refusing the token (401) and failing (500) on lookups and replies.
  line.state.faults.push(
    { match: '/v2/bot/', status: 401, count: 3 },
    { match: '/v2/bot/', status: 500, count: 3 },
  );
  expect(
    (
      await good([
        webhookEvents.join(newGroupId(), { replyToken: 'expired' }),
        webhookEvents.message(groupId, 'クーポン'),
      ])
    ).statusCode,
  ).toBe(200);
  // The processor Lambda on what was accepted, with LINE refusing the token (401) and failing (500).
  const processor = await import('../../lambda/handlers/inbox-processor');
  const processing = await startLocalProcessing({
    endpoint: testDynamoDbEndpoint(),
    inboxTable,
    handler: (event) => processor.handler(event),
    sweep: async () => undefined,
    sweepIntervalMs: 3_600_000,
    inboxSweeper: async () => ({ batchItemFailures: [] }),
  });
  await processing.drain();
  await processing.stop();
  expect(printed).toContain('reply failed');

  // A DynamoDB failure (table gone) on the webhook's error path.
  process.env.INBOX_TABLE = 'no-such-table';
  jest.resetModules();
  const fresh = await import('../../lambda/handlers/webhook');
  const body = webhookBody([webhookEvents.join(newGroupId())]);
  expect(
    (
      await fresh.handler(
        apiGatewayEvent({
          method: 'POST',
          path: '/webhook',
          headers: { 'x-line-signature': signature(body, SECRET) },
          body: Buffer.from(body),
        }),
      )
    ).statusCode,
  ).toBe(500);

  expect(printed).toContain('"level":"WARN"');
  expect(printed).toContain('webhook failed: events not stored');
  expect(printed).toContain('"groupsJoined"'); // the metrics (EMF) went through the same streams
  expect(printed).toContain('"eventsAccepted"');
  expect(printed).not.toContain(SECRET);
  expect(printed).not.toContain(TOKEN);
  expect(printed).not.toMatch(/U[0-9a-f]{32}/);
  expect(printed).not.toContain(NAME);
});

it('a user id in a logged message or error is replaced by its pseudonym (errors from LINE name them)', async () => {
  const { logger } = await import('../../lambda/runtime/observability');
  printed = '';
  logger.warn(`profile read failed for ${MEMBER}`, {
    error: new Error(`GET /v2/bot/group/Cx/member/${SENDER} answered 500`),
    userIds: [MEMBER],
  });
  expect(printed).not.toMatch(/U[0-9a-f]{32}/);
  expect(printed).toContain(pseudonym(MEMBER));
  expect(printed).toContain(pseudonym(SENDER));
});
