import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../lambda/webhook/handle-request';
import { apiGatewayEvent } from '../../lib/local/api-gateway-event';
import { newGroupId, signature, webhookBody, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function send(body: Buffer, sign: 'right' | 'wrong' | 'none') {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sign !== 'none')
    headers['x-line-signature'] =
      sign === 'right' ? signature(body, CHANNEL_SECRET) : signature(body, 'another-secret');
  return h.handler(apiGatewayEvent({ method: 'POST', path: '/webhook', headers, body }));
}

async function nothingWritten() {
  for (const table of [h.tables.inbox, h.tables.groups, h.tables.groupEvents]) {
    const { Count } = await h.documents.send(new ScanCommand({ TableName: table, Select: 'COUNT' }));
    expect(Count).toBe(0);
  }
  expect(h.line.state.requests).toEqual([]);
}

/** A valid event with one required field removed or given a wrong type. */
const brokenEvent = fc
  .record({
    make: fc.constantFrom(
      (g: string) => webhookEvents.join(g),
      (g: string) => webhookEvents.leave(g),
      (g: string) => webhookEvents.message(g, 'クーポン'),
      (g: string) => webhookEvents.memberJoined(g),
      (g: string) => webhookEvents.memberLeft(g),
      (g: string) => webhookEvents.postback(g, 'x'),
    ),
    field: fc.constantFrom('type', 'timestamp', 'webhookEventId', 'deliveryContext', 'source'),
    value: fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string()),
      fc.constant({ type: 'group' }),
    ),
  })
  .filter(
    ({ field, value }) => !(field === 'timestamp' && Number.isSafeInteger(value) && (value as number) >= 0),
  )
  .map(({ make, field, value }) => {
    const event: Record<string, unknown> = Object.fromEntries(
      Object.entries(make(newGroupId())).filter(([key]) => key !== field),
    );
    if (value !== undefined) event[field] = value;
    return event;
  });

describe('webhook fuzzing: bad input never gets a 5xx, never writes, never crashes', () => {
  it('random bytes, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom('right', 'wrong', 'none') as fc.Arbitrary<'right' | 'wrong' | 'none'>,
        async (bytes, sign) => {
          const { statusCode } = await send(Buffer.from(bytes), sign);
          expect([400, 401]).toContain(statusCode);
        },
      ),
      { numRuns: 150 },
    );
    await nothingWritten();
  });

  it('random JSON, correctly signed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), async (json) => {
        const { statusCode } = await send(Buffer.from(json), 'right');
        expect([400]).toContain(statusCode);
      }),
      { numRuns: 150 },
    );
    await nothingWritten();
  });

  it('LINE-shaped payloads with a required field missing or of the wrong type, correctly signed: each such event skipped and counted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(brokenEvent, { minLength: 1, maxLength: 3 }), async (events) => {
        const before = h.recorder.metric('eventsInvalid') + h.recorder.metric('eventsIgnored');
        const { statusCode } = await send(
          Buffer.from(JSON.stringify({ destination: 'U0', events })),
          'right',
        );
        // The body is LINE's shape: answered 200, every broken event skipped (or, with no source
        // at all, not from a chat: ignored).
        expect(statusCode).toBe(200);
        expect(h.recorder.metric('eventsInvalid') + h.recorder.metric('eventsIgnored')).toBe(
          before + events.length,
        );
      }),
      { numRuns: 200 },
    );
    await nothingWritten();
  });

  it('valid payloads with a wrong signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (forged) => {
        const body = Buffer.from(webhookBody([webhookEvents.join(newGroupId())]));
        const res = await h.handler(
          apiGatewayEvent({
            method: 'POST',
            path: '/webhook',
            headers: { 'x-line-signature': forged },
            body,
          }),
        );
        expect(res.statusCode).toBe(401);
      }),
      { numRuns: 100 },
    );
    await nothingWritten();
  });

  it('huge bodies (5 MB), signed or not: 413; just under the limit, a flood of bad events logs ten lines', async () => {
    const body = (events: number) =>
      Buffer.from(`{"destination":"U0","events":[${'{"type":"x"},'.repeat(events)}1]}`);
    const huge = body(400_000);
    expect((await send(huge, 'wrong')).statusCode).toBe(413);
    expect((await send(huge, 'right')).statusCode).toBe(413);
    const large = body(Math.floor((WEBHOOK_BODY_LIMIT_BYTES - 40) / 13));
    expect(large.length).toBeLessThan(WEBHOOK_BODY_LIMIT_BYTES);
    expect((await send(large, 'wrong')).statusCode).toBe(401);
    const logged = h.recorder.lines.length;
    // LINE's shape, 76,000 events none of which LINE would send: all skipped, ten lines logged.
    expect((await send(large, 'right')).statusCode).toBe(200);
    expect(h.recorder.lines.length - logged).toBeLessThanOrEqual(12);
    await nothingWritten();
  });
});
