import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../lambda/webhook/handle-request';
import { signedWebhookEvent } from '../../lib/local/api-gateway-event';
import { signature } from '../../lib/local/simulator/webhook-events';
import { startWebhookServer, type WebhookServer } from '../../lib/local/webhook-server';
import { CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

/** LINE-shaped JSON of exactly `bytes` bytes (one event padded with a long text). */
function bodyOf(bytes: number): Buffer {
  const frame = (text: string) => `{"destination":"U0","events":[{"type":"x","text":"${text}"}]}`;
  return Buffer.from(frame('a'.repeat(bytes - frame('').length)));
}

let h: Harness;
let server: WebhookServer;
let handled = 0;
beforeAll(async () => {
  h = await startHarness();
  server = await startWebhookServer(
    (request) => {
      handled += 1;
      return h.handler(request);
    },
    { port: 0 },
  );
});
afterAll(async () => {
  await server.close();
  await h.close();
});

async function nothingStored() {
  const { Count } = await h.documents.send(new ScanCommand({ TableName: h.tables.inbox, Select: 'COUNT' }));
  expect(Count).toBe(0);
}

describe(`a body of ${WEBHOOK_BODY_LIMIT_BYTES} bytes or more`, () => {
  it('the handler answers 413 before anything else: signed or not, nothing stored, no 5xx', async () => {
    for (const bytes of [WEBHOOK_BODY_LIMIT_BYTES, 5_000_000]) {
      const body = bodyOf(bytes);
      expect(body.length).toBe(bytes);
      for (const secret of [CHANNEL_SECRET, 'not-the-secret']) {
        const answer = await h.handler(signedWebhookEvent(body, secret));
        expect(answer.statusCode).toBe(413);
        expect(JSON.parse(answer.body)).toEqual({
          message: `body too large: ${bytes} bytes, the limit is ${WEBHOOK_BODY_LIMIT_BYTES}`,
        });
      }
    }
    // One byte less is read as any webhook: LINE's shape, an event LINE would not send, 200.
    expect(
      (await h.handler(signedWebhookEvent(bodyOf(WEBHOOK_BODY_LIMIT_BYTES - 1), CHANNEL_SECRET))).statusCode,
    ).toBe(200);
    expect(h.recorder.metric('signatureRejected')).toBe(0);
    expect(h.recorder.metric('webhookErrors')).toBe(0);
    await nothingStored();
  });

  it('the local webhook server answers 413 itself, as the WAF does on AWS, without holding the body', async () => {
    handled = 0;
    const post = (body: Buffer | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit);
    const atLimit = bodyOf(WEBHOOK_BODY_LIMIT_BYTES);
    const refused = await post(atLimit, { 'x-line-signature': signature(atLimit, CHANNEL_SECRET) });
    expect(refused.status).toBe(413);

    // 20 MB streamed in chunks, no Content-Length.
    const chunk = Buffer.alloc(1 << 20, 'a');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    expect((await post(stream)).status).toBe(413);
    expect(handled).toBe(0);

    const underLimit = bodyOf(WEBHOOK_BODY_LIMIT_BYTES - 1);
    const accepted = await post(underLimit, { 'x-line-signature': signature(underLimit, CHANNEL_SECRET) });
    expect(accepted.status).toBe(200);
    expect(handled).toBe(1);
    await nothingStored();
  });
});
