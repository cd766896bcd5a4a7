import { validateSignature } from '@line/bot-sdk';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Log, Telemetry } from '../app/ports';
import type { ChatEvent } from '../domain/events';
import { PayloadError, parsePayload } from './parse-payload';

export interface WebhookDeps {
  channelSecret: string;
  /** Applies the chat events; throwing makes the answer 500 so that LINE redelivers. */
  handleChatEvents(events: ChatEvent[]): Promise<void>;
  log: Log;
  telemetry: Telemetry;
}

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
 * LINE's webhook over an API Gateway proxy event: signature first (nothing is read before it
 * holds), then shape, then the events. Only our own failures answer 5xx, which LINE redelivers.
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

  try {
    if (parsed.chatEvents.length > 0) await deps.handleChatEvents(parsed.chatEvents);
  } catch (error) {
    deps.telemetry.count('webhookErrors');
    deps.log.error('webhook failed; LINE will redeliver', {
      error: { name: (error as Error).name, message: (error as Error).message },
      webhookEventIds: parsed.chatEvents.map((e) => e.webhookEventId),
    });
    return answer(500, 'temporary failure, please redeliver');
  }
  return answer(200, 'ok');
}
