import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { environmentFor, tableNamesFrom } from '../../lambda/adapters/dynamodb/tables';
import { loadConfig } from '../../lambda/config';
import { createWebhookRuntime } from '../../lambda/runtime/webhook-runtime';
import { signedWebhookEvent } from '../../lib/local/api-gateway-event';
import { newGroupId, webhookBody, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { CHANNEL_ACCESS_TOKEN, CHANNEL_SECRET, Recorder } from '../support/webhook-harness';

// A DynamoDB that takes the connection and never answers: no error to fail on, only time passing.
describe('DynamoDB hangs', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let endpoint: string;
  const env = { ...process.env };
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The function's own wiring (no DYNAMODB_ENDPOINT: DynamoDB on AWS), with the SDK sent here.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(async () => {
    process.env = env;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('the webhook on AWS answers 500 within 2 s (LINE redelivers), counted for the alarm, after trying twice', async () => {
    const recorder = new Recorder();
    const webhook = await createWebhookRuntime(
      loadConfig({
        ...environmentFor(tableNamesFrom({})),
        LINE_CHANNEL_SECRET: CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
      }),
      { log: recorder, telemetry: recorder },
    );
    const body = Buffer.from(webhookBody([webhookEvents.join(newGroupId())]));
    const started = performance.now();
    const answer = await webhook(signedWebhookEvent(body, CHANNEL_SECRET));
    const elapsed = performance.now() - started;

    expect(answer.statusCode).toBe(500);
    expect(elapsed).toBeLessThan(2000);
    expect(recorder.metric('webhookErrors')).toBe(1);
    expect(recorder.metric('eventsAccepted')).toBe(0);
    expect(sockets.length).toBe(2); // the write, and its one retry on a new connection
    // The retry gives up after the answer: still one failure, one error line.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(recorder.metric('webhookErrors')).toBe(1);
    expect(recorder.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });
});
