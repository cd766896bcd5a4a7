import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import {
  SECRET_MAX_AGE_MS,
  SECRET_REREAD_INTERVAL_MS,
  secretsManagerCredentials,
} from '../../lambda/runtime/secrets';
import {
  createWebhookRuntime,
  WEBHOOK_LIMITS_ON_AWS,
  type WebhookHandler,
} from '../../lambda/runtime/webhook-runtime';
import { signedWebhookEvent } from '../../lib/local/api-gateway-event';
import { newGroupId, webhookBody, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { createTestTables, testDynamoDbEndpoint } from '../support/dynamodb';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../support/secrets-manager';
import { Recorder } from '../support/webhook-harness';

const credentials = (channelSecret: string) => JSON.stringify({ channelId: '1657000000', channelSecret });

// The webhook against a Secrets Manager stand-in (the real SDK client over HTTP) and a real inbox
// on DynamoDB Local; the secret's clock is ours to move.
describe('channel secret reissued in the LINE Developers console', () => {
  let db: Awaited<ReturnType<typeof createTestTables>>;
  let documents: DynamoDBDocumentClient;
  let secrets: SecretsManagerStandIn;
  let recorder: Recorder;
  let webhook: WebhookHandler;
  let now: number;

  beforeAll(async () => {
    db = await createTestTables();
    documents = DynamoDBDocumentClient.from(db.client);
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    secrets = await startSecretsManagerStandIn(credentials('old-secret'));
    recorder = new Recorder();
    now = 1_000_000;
    const config = loadConfig({
      DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
      ...environmentFor(db.tables),
      LINE_SECRET_ID: secrets.secretId,
    });
    webhook = await createWebhookRuntime(
      config,
      { log: recorder, telemetry: recorder },
      { credentials: secretsManagerCredentials(secrets.secretId, secrets.client()), now: () => now },
    );
  });
  afterEach(() => secrets.close());

  /** A join signed with `secret`, as LINE sends it; its status and whether it reached the inbox. */
  async function post(secret: string) {
    const groupId = newGroupId();
    const body = Buffer.from(webhookBody([webhookEvents.join(groupId)]));
    const { statusCode } = await webhook(signedWebhookEvent(body, secret));
    const { Count } = await documents.send(
      new QueryCommand({
        TableName: db.tables.inbox,
        KeyConditionExpression: 'groupId = :g',
        ExpressionAttributeValues: { ':g': groupId },
        Select: 'COUNT',
      }),
    );
    return { statusCode, stored: Count === 1 };
  }

  it('refused (401, counted) until the new secret is put, then accepted within the re-read interval: no redeploy', async () => {
    expect(await post('old-secret')).toEqual({ statusCode: 200, stored: true });
    expect(secrets.reads).toBe(1);

    // LINE signs with the reissued secret at once; the stored one is still the old one.
    now += SECRET_REREAD_INTERVAL_MS;
    expect(await post('new-secret')).toEqual({ statusCode: 401, stored: false });
    expect(secrets.reads).toBe(2); // read again on the rejection: nothing new yet
    expect(recorder.metric('signatureRejected')).toBe(1);

    secrets.put(credentials('new-secret')); // the operator's put-secret-value
    now += SECRET_REREAD_INTERVAL_MS / 2;
    expect(await post('new-secret')).toEqual({ statusCode: 401, stored: false });
    expect(secrets.reads).toBe(2); // too soon after the last read
    expect(recorder.metric('signatureRejected')).toBe(2);

    now += SECRET_REREAD_INTERVAL_MS / 2;
    expect(await post('new-secret')).toEqual({ statusCode: 200, stored: true });
    expect(secrets.reads).toBe(3);
    expect(recorder.metric('signatureRejected')).toBe(2);
    expect(recorder.metric('webhookErrors')).toBe(0);

    // The old secret no longer signs anything.
    now += SECRET_REREAD_INTERVAL_MS;
    expect(await post('old-secret')).toEqual({ statusCode: 401, stored: false });
    expect(recorder.metric('signatureRejected')).toBe(3);
    // No log line carries either secret.
    expect(JSON.stringify(recorder.lines)).not.toMatch(/old-secret|new-secret/);
  });

  it('read again every 5 minutes while every signature holds, so a secret put in advance is taken up', async () => {
    expect((await post('old-secret')).statusCode).toBe(200);
    secrets.put(credentials('new-secret'));
    now += SECRET_MAX_AGE_MS - 1;
    expect((await post('old-secret')).statusCode).toBe(200);
    expect(secrets.reads).toBe(1);
    now += 1;
    expect((await post('new-secret')).statusCode).toBe(200);
    expect(secrets.reads).toBe(2);
  });

  it('a flood of forged signatures reads the secret at most once per interval; unsigned requests never', async () => {
    expect((await post('old-secret')).statusCode).toBe(200);
    now += SECRET_REREAD_INTERVAL_MS;
    const forged = await Promise.all(Array.from({ length: 30 }, () => post('forged')));
    expect(forged.map((f) => f.statusCode)).toEqual(Array(30).fill(401));
    const unsigned = await webhook({
      ...signedWebhookEvent(Buffer.from(webhookBody([])), 'x'),
      headers: {},
    });
    expect(unsigned.statusCode).toBe(401);
    expect(secrets.reads).toBe(2);
    expect(recorder.metric('signatureRejected')).toBe(31);
  });

  it('Secrets Manager failing later changes nothing: the secret in use is kept', async () => {
    expect((await post('old-secret')).statusCode).toBe(200);
    secrets.fail(true);
    now += SECRET_MAX_AGE_MS;
    expect(await post('old-secret')).toEqual({ statusCode: 200, stored: true });
    expect(secrets.reads).toBe(2);
    expect(recorder.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'channel secret could not be read' }),
    );
  });

  it('until the secret is complete the webhook answers 500 (counted) and stores nothing; then it accepts', async () => {
    secrets.put('new-secret'); // put bare, not as JSON: its value must not reach a log line
    expect(await post('new-secret')).toEqual({ statusCode: 500, stored: false });
    expect(JSON.stringify(recorder.lines)).not.toContain('new-sec');
    expect(recorder.lines).toContainEqual(
      expect.objectContaining({
        message: 'channel secret could not be read',
        extra: [expect.objectContaining({ error: expect.objectContaining({ name: 'ConfigError' }) })],
      }),
    );
    now += SECRET_REREAD_INTERVAL_MS;
    secrets.put(JSON.stringify({ channelSecret: 'new-secret' })); // no channelId, no token yet
    expect(await post('new-secret')).toEqual({ statusCode: 500, stored: false });
    expect(recorder.metric('webhookErrors')).toBe(2);
    expect(recorder.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'webhook failed: no channel secret to check signatures with',
      }),
    );

    secrets.put(credentials('new-secret'));
    now += SECRET_REREAD_INTERVAL_MS;
    expect(await post('new-secret')).toEqual({ statusCode: 200, stored: true });
    expect(recorder.metric('webhookErrors')).toBe(2);
  });

  it('a read that fails before it starts (a source throwing at once) is tried again, not remembered', async () => {
    let calls = 0;
    const flaky = await createWebhookRuntime(
      loadConfig({
        DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
        ...environmentFor(db.tables),
        LINE_SECRET_ID: 'x',
      }),
      { log: recorder, telemetry: recorder },
      {
        credentials: () => {
          if (calls++ === 0) throw new Error('no client yet');
          return Promise.resolve({ channelSecret: 'old-secret', channelId: '1657000000' });
        },
        now: () => now,
      },
    );
    const body = Buffer.from(webhookBody([webhookEvents.join(newGroupId())]));
    expect((await flaky(signedWebhookEvent(body, 'old-secret'))).statusCode).toBe(500);
    now += SECRET_REREAD_INTERVAL_MS;
    expect((await flaky(signedWebhookEvent(body, 'old-secret'))).statusCode).toBe(200);
    expect(calls).toBe(2);
  });

  it('a secret read that hangs on AWS is answered 500 in time, not left to LINE to give up on', async () => {
    const hanging = await createWebhookRuntime(
      loadConfig({ ...environmentFor(db.tables), LINE_SECRET_ID: secrets.secretId }), // no DYNAMODB_ENDPOINT: AWS
      { log: recorder, telemetry: recorder },
      { credentials: () => new Promise(() => undefined) },
    );
    const started = performance.now();
    const body = Buffer.from(webhookBody([webhookEvents.join(newGroupId())]));
    expect((await hanging(signedWebhookEvent(body, 'old-secret'))).statusCode).toBe(500);
    expect(performance.now() - started).toBeLessThan(WEBHOOK_LIMITS_ON_AWS.answerWithinMs + 300);
    expect(recorder.metric('webhookErrors')).toBe(1);
  });
});
