import { validateSignature } from '@line/bot-sdk';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Log, Telemetry } from '../app/ports';
import type { InboxEvent } from '../domain/events';
import { PayloadError, parsePayload } from './parse-payload';

export interface WebhookDeps {
  channelSecret: string;
  /** Stores the chat events durably; throwing (nothing stored) makes the answer 500. */
  accept(events: InboxEvent[]): Promise<void>;
  log: Log;
  telemetry: Telemetry;
}

const MAX_LOGGED_INVALID = 10;

const answer = (statusCode: number, message: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

function header(request: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * LINE's webhook over an API Gateway proxy event, answered within LINE's 2 seconds: signature
 * first (nothing is read before it holds), then shape, then one durable write of the events, and
 * 200. Everything else happens afterwards (the processor). Only a failed write answers 5xx, which
 * LINE redelivers if the channel has webhook redelivery on.
 */
export async function handleWebhookRequest(
  request: APIGatewayProxyEvent,
  deps: WebhookDeps,
): Promise<APIGatewayProxyResult> {
  if (request.httpMethod !== 'POST')
    return { ...answer(405, 'method not allowed'), headers: { allow: 'POST' } };

  // The signature is over the exact bytes LINE sent, so the body is never re-serialized.
  const raw = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  const signature = header(request, 'x-line-signature');
  if (!signature || !validateSignature(raw, deps.channelSecret, signature)) {
    deps.log.warn('webhook refused: bad signature', { hasSignature: Boolean(signature), bytes: raw.length });
    return answer(401, 'invalid signature');
  }

  let parsed;
  try {
    parsed = parsePayload(JSON.parse(raw.toString('utf8')));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'body is not JSON' : (error as Error).message;
    if (!(error instanceof SyntaxError || error instanceof PayloadError)) throw error;
    deps.log.warn('webhook refused: malformed payload', { reason });
    return answer(400, `malformed webhook payload: ${reason}`);
  }

  for (const ignored of parsed.ignored) deps.log.debug('event ignored', { ...ignored });
  if (parsed.ignored.length > 0) deps.telemetry.count('eventsIgnored', parsed.ignored.length);
  // A few lines say what was wrong; a flood of broken events must not become a flood of logs.
  for (const invalid of parsed.invalid.slice(0, MAX_LOGGED_INVALID)) {
    deps.log.warn('event skipped: not as LINE documents it', {
      ...invalid,
      ofInvalid: parsed.invalid.length,
    });
  }
  if (parsed.invalid.length > 0) deps.telemetry.count('eventsInvalid', parsed.invalid.length);

  try {
    await deps.accept(parsed.events);
  } catch (error) {
    deps.telemetry.count('webhookErrors');
    deps.log.error('webhook failed: events not stored; LINE redelivers if redelivery is on', {
      error: { name: (error as Error).name, message: (error as Error).message },
      webhookEventIds: parsed.events.map((e) => e.webhookEventId),
    });
    return answer(500, 'temporary failure, please redeliver');
  }
  return answer(200, 'ok');
}
