import { validateSignature } from '@line/bot-sdk';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Log, Telemetry } from '../app/ports';
import type { InboxEvent } from '../domain/events';
import { PayloadError, parsePayload } from './parse-payload';

/** The channel secret LINE signs with, which an operator may reissue at any time. */
export interface SigningSecret {
  /** @throws when there is none to check with yet (the answer is 500) */
  current(): Promise<string>;
  /** A signature failed: the secret read again (rate-limited), if it changed since. */
  reread(): Promise<string | undefined>;
}

export interface WebhookDeps {
  channelSecret: SigningSecret;
  /** Stores the chat events durably; throwing (nothing stored) makes the answer 500. */
  accept(events: InboxEvent[]): Promise<void>;
  /** LINE gives up after 2 s: whatever is not done by then (a read, a write) is answered 500. */
  answerWithinMs: number;
  log: Log;
  telemetry: Telemetry;
}

const MAX_LOGGED_INVALID = 10;

/**
 * LINE's webhooks are a few kilobytes. A body this large or larger is refused first: on
 * AWS, bodies over Lambda's 6 MB payload limit would otherwise fail in API Gateway as a 5xx.
 * A power of ten, so the WAF can refuse it by the digits of Content-Length.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 1_000_000;

const answer = (statusCode: number, message: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/** The answer when the events could not be stored in time; LINE redelivers it if redelivery is on. */
const temporaryFailure = (): APIGatewayProxyResult => answer(500, 'temporary failure, please redeliver');

/** The request's time ran out; what was under way may still complete (a redelivery is recorded once). */
export class AnswerTimeoutError extends Error {
  constructor(ms: number) {
    super(`not done within ${ms} ms`);
    this.name = 'AnswerTimeoutError';
  }
}

/** One timer per request; `within` fails what is still pending when it fires. */
function deadline(ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AnswerTimeoutError(ms)), ms);
  });
  expired.catch(() => undefined); // it may fire with nothing waiting on it
  return {
    within: <T>(work: Promise<T>): Promise<T> => Promise.race([work, expired]),
    clear: () => clearTimeout(timer),
  };
}

function header(request: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * LINE's webhook over an API Gateway proxy event, answered within LINE's 2 seconds: size and
 * signature first (nothing is read before it holds), then shape, then one durable write of the
 * events, and 200. Everything else happens afterwards (the processor). Only a failed write (or no
 * channel secret yet) answers 5xx, which LINE redelivers if the channel has webhook redelivery on.
 */
export async function handleWebhookRequest(
  request: APIGatewayProxyEvent,
  deps: WebhookDeps,
): Promise<APIGatewayProxyResult> {
  if (request.httpMethod !== 'POST')
    return { ...answer(405, 'method not allowed'), headers: { allow: 'POST' } };
  const time = deadline(deps.answerWithinMs);
  try {
    return await answerInTime(request, deps, time.within);
  } finally {
    time.clear();
  }
}

async function answerInTime(
  request: APIGatewayProxyEvent,
  deps: WebhookDeps,
  within: <T>(work: Promise<T>) => Promise<T>,
): Promise<APIGatewayProxyResult> {
  // The signature is over the exact bytes LINE sent, so the body is never re-serialized.
  const raw = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length >= WEBHOOK_BODY_LIMIT_BYTES) {
    deps.log.warn('webhook refused: body too large', { bytes: raw.length, limit: WEBHOOK_BODY_LIMIT_BYTES });
    return answer(413, `body too large: ${raw.length} bytes, the limit is ${WEBHOOK_BODY_LIMIT_BYTES}`);
  }
  const signature = header(request, 'x-line-signature');
  let signed = false;
  if (signature) {
    try {
      signed = await within(signatureHolds(raw, signature, deps.channelSecret));
    } catch (error) {
      deps.telemetry.count('webhookErrors');
      deps.log.error('webhook failed: no channel secret to check signatures with', {
        error: { name: (error as Error).name, message: (error as Error).message },
      });
      return temporaryFailure();
    }
  }
  if (!signed) {
    deps.telemetry.count('signatureRejected');
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
    await within(deps.accept(parsed.events));
  } catch (error) {
    deps.telemetry.count('webhookErrors');
    deps.log.error('webhook failed: events not stored; LINE redelivers if redelivery is on', {
      error: { name: (error as Error).name, message: (error as Error).message },
      webhookEventIds: parsed.events.map((e) => e.webhookEventId),
    });
    return temporaryFailure();
  }
  return answer(200, 'ok');
}

/**
 * A secret reissued in LINE's console signs every webhook from then on: before refusing one,
 * the secret is read again (at most every few seconds), so putting the new value heals intake.
 */
async function signatureHolds(raw: Buffer, signature: string, secret: SigningSecret): Promise<boolean> {
  if (validateSignature(raw, await secret.current(), signature)) return true;
  const reissued = await secret.reread();
  return reissued !== undefined && validateSignature(raw, reissued, signature);
}
