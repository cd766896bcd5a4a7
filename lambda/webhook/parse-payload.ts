import type { ActivityType, ChatEvent } from '../domain/events';

/** The body is not a LINE webhook payload (answered 400: redelivering it cannot help). */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

export interface IgnoredEvent {
  type: string;
  webhookEventId: string;
  reason: 'unsupported event type' | 'not a group or multi-person chat';
}

export interface ParsedPayload {
  destination: string;
  chatEvents: ChatEvent[];
  ignored: IgnoredEvent[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ACTIVITY: ReadonlySet<string> = new Set<ActivityType>([
  'message',
  'postback',
  'memberJoined',
  'memberLeft',
]);

/**
 * Checks the shape LINE documents (webhook.yml: CallbackRequest, Event) and keeps the events of
 * group and multi-person chats that the registry handles. Anything else LINE may add later is
 * ignored, not refused, so a new event type never makes LINE redeliver forever.
 */
export function parsePayload(body: unknown): ParsedPayload {
  if (!isObject(body)) throw new PayloadError('body is not a JSON object');
  if (typeof body.destination !== 'string') throw new PayloadError('destination: expected a string');
  if (!Array.isArray(body.events)) throw new PayloadError('events: expected an array');

  const chatEvents: ChatEvent[] = [];
  const ignored: IgnoredEvent[] = [];
  body.events.forEach((raw: unknown, i) => {
    const where = `events[${i}]`;
    const fail = (field: string, expected: string): never => {
      throw new PayloadError(`${where}.${field}: expected ${expected}`);
    };
    if (!isObject(raw)) throw new PayloadError(`${where}: expected an object`);
    const { type, timestamp, webhookEventId, deliveryContext, source } = raw;
    if (typeof type !== 'string') fail('type', 'a string');
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
      fail('timestamp', 'milliseconds since the epoch');
    }
    if (typeof webhookEventId !== 'string' || webhookEventId === '') fail('webhookEventId', 'a string');
    if (!isObject(deliveryContext) || typeof deliveryContext.isRedelivery !== 'boolean') {
      fail('deliveryContext.isRedelivery', 'a boolean');
    }
    const eventType = type as string;
    const id = webhookEventId as string;
    if (eventType !== 'join' && eventType !== 'leave' && !ACTIVITY.has(eventType)) {
      ignored.push({ type: eventType, webhookEventId: id, reason: 'unsupported event type' });
      return;
    }
    if (source !== undefined && !isObject(source)) fail('source', 'an object');
    const chat = chatOf(source as Json | undefined, fail);
    if (!chat) {
      ignored.push({ type: eventType, webhookEventId: id, reason: 'not a group or multi-person chat' });
      return;
    }
    const base = {
      webhookEventId: id,
      ...chat,
      at: new Date(timestamp as number).toISOString(),
      isRedelivery: (deliveryContext as Json).isRedelivery as boolean,
    };
    const replyToken = raw.replyToken;
    if (replyToken !== undefined && typeof replyToken !== 'string') fail('replyToken', 'a string');
    switch (eventType) {
      case 'join':
        if (typeof replyToken !== 'string') return fail('replyToken', 'a string');
        chatEvents.push({ ...base, type: 'join', replyToken });
        return;
      case 'leave':
        chatEvents.push({ ...base, type: 'leave' });
        return;
      case 'memberJoined':
      case 'memberLeft': {
        const field = eventType === 'memberJoined' ? 'joined' : 'left';
        const members = raw[field];
        if (!isObject(members) || !Array.isArray(members.members)) fail(`${field}.members`, 'an array');
        if (eventType === 'memberJoined' && typeof replyToken !== 'string') fail('replyToken', 'a string');
        break;
      }
      case 'message':
        if (!isObject(raw.message) || typeof raw.message.type !== 'string') fail('message.type', 'a string');
        break;
      case 'postback':
        if (!isObject(raw.postback) || typeof raw.postback.data !== 'string')
          fail('postback.data', 'a string');
        break;
    }
    const message = raw.message as Json | undefined;
    chatEvents.push({
      ...base,
      type: eventType as ActivityType,
      ...(typeof replyToken === 'string' && { replyToken }),
      ...(message?.type === 'text' && typeof message.text === 'string' && { text: message.text }),
    });
  });
  return { destination: body.destination, chatEvents, ignored };
}

function chatOf(source: Json | undefined, fail: (field: string, expected: string) => never) {
  switch (source?.type) {
    case 'group':
      if (typeof source.groupId !== 'string' || source.groupId === '')
        return fail('source.groupId', 'a string');
      return { groupId: source.groupId, chatType: 'group' as const };
    case 'room':
      if (typeof source.roomId !== 'string' || source.roomId === '') return fail('source.roomId', 'a string');
      return { groupId: source.roomId, chatType: 'room' as const };
    default:
      return undefined;
  }
}
