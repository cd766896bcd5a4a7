import type { ActivityType, ChatEvent, EventMode, FriendshipEvent, InboxEvent } from '../domain/events';

/** The body is not a LINE webhook payload at all (answered 400: redelivering it cannot help). */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** An event we do not handle: another event type, or not from a group or multi-person chat. */
export interface IgnoredEvent {
  type: string;
  webhookEventId: string;
  reason: 'unsupported event type' | 'not a group or multi-person chat' | 'not from a 1:1 chat';
}

/** An event LINE's spec would not recognise: skipped, so the rest of the webhook still counts. */
export interface InvalidEvent {
  index: number;
  type: string | null;
  webhookEventId: string | null;
  reason: string;
}

export interface ParsedPayload {
  destination: string;
  /** Chat events, and the friendship events (follow, unfollow) of 1:1 chats. */
  events: InboxEvent[];
  ignored: IgnoredEvent[];
  invalid: InvalidEvent[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ACTIVITY: ReadonlySet<string> = new Set<ActivityType>([
  'message',
  'postback',
  'memberJoined',
  'memberLeft',
]);
const MODES: ReadonlySet<string> = new Set<EventMode>(['active', 'standby']);

/**
 * The first millisecond of year 10000: later times have no four-digit ISO year, break
 * `toISOString()` past 8.64e15 and would sort wrong as text.
 */
const MAX_TIMESTAMP = Date.UTC(10000, 0, 1);

/** One field of one event is not as webhook.yml describes it. */
class EventError extends Error {}
const expected = (field: string, what: string): never => {
  throw new EventError(`${field}: expected ${what}`);
};

/**
 * Checks the shape LINE documents (webhook.yml: CallbackRequest, Event), event by event, and keeps
 * the events of group and multi-person chats that the registry handles. Only a body that is not
 * LINE's shape at all is refused; one event that is not is skipped and reported, and anything LINE
 * may add later is ignored, so no single event can cost the others in its webhook.
 */
export function parsePayload(body: unknown): ParsedPayload {
  if (!isObject(body)) throw new PayloadError('body is not a JSON object');
  if (typeof body.destination !== 'string') throw new PayloadError('destination: expected a string');
  if (!Array.isArray(body.events)) throw new PayloadError('events: expected an array');

  const parsed: ParsedPayload = { destination: body.destination, events: [], ignored: [], invalid: [] };
  body.events.forEach((raw: unknown, index) => {
    try {
      const event = parseEvent(raw);
      if ('reason' in event) parsed.ignored.push(event);
      else parsed.events.push(event);
    } catch (error) {
      if (!(error instanceof EventError)) throw error;
      const r = isObject(raw) ? raw : {};
      parsed.invalid.push({
        index,
        type: typeof r.type === 'string' ? r.type : null,
        webhookEventId: typeof r.webhookEventId === 'string' ? r.webhookEventId : null,
        reason: error.message,
      });
    }
  });
  return parsed;
}

function parseEvent(raw: unknown): InboxEvent | IgnoredEvent {
  if (!isObject(raw)) return expected('event', 'an object');
  const { type, timestamp, webhookEventId, deliveryContext, source, mode } = raw;
  if (typeof type !== 'string') expected('type', 'a string');
  if (
    typeof timestamp !== 'number' ||
    !Number.isSafeInteger(timestamp) ||
    timestamp < 0 ||
    timestamp >= MAX_TIMESTAMP
  ) {
    expected('timestamp', 'milliseconds since the epoch, before year 10000');
  }
  if (typeof webhookEventId !== 'string' || webhookEventId === '') expected('webhookEventId', 'a string');
  if (!isObject(deliveryContext) || typeof deliveryContext.isRedelivery !== 'boolean') {
    expected('deliveryContext.isRedelivery', 'a boolean');
  }
  if (typeof mode !== 'string' || !MODES.has(mode)) expected('mode', '"active" or "standby"');
  const eventType = type as string;
  const id = webhookEventId as string;
  if (source !== undefined && !isObject(source)) expected('source', 'an object');
  if (eventType === 'follow' || eventType === 'unfollow') {
    return friendshipEvent(raw, eventType, source as Json | undefined, {
      webhookEventId: id,
      at: new Date(timestamp as number).toISOString(),
      mode: mode as EventMode,
      isRedelivery: (deliveryContext as Json).isRedelivery as boolean,
    });
  }
  if (eventType !== 'join' && eventType !== 'leave' && !ACTIVITY.has(eventType)) {
    return { type: eventType, webhookEventId: id, reason: 'unsupported event type' };
  }
  const chat = chatOf(source as Json | undefined);
  if (!chat) return { type: eventType, webhookEventId: id, reason: 'not a group or multi-person chat' };

  const base = {
    webhookEventId: id,
    ...chat,
    at: new Date(timestamp as number).toISOString(),
    mode: mode as EventMode,
    isRedelivery: (deliveryContext as Json).isRedelivery as boolean,
  };
  const replyToken = raw.replyToken;
  if (replyToken !== undefined && typeof replyToken !== 'string') expected('replyToken', 'a string');
  // LINE sends no reply token in standby mode, whatever the spec says of join and memberJoined.
  const tokenRequired = base.mode === 'active';
  const withToken = typeof replyToken === 'string' ? { replyToken } : {};
  switch (eventType) {
    case 'join':
      if (tokenRequired && typeof replyToken !== 'string') expected('replyToken', 'a string');
      return { ...base, type: 'join', ...withToken };
    case 'leave':
      return { ...base, type: 'leave' };
    case 'memberJoined':
    case 'memberLeft': {
      const field = eventType === 'memberJoined' ? 'joined' : 'left';
      const members = raw[field];
      if (!isObject(members) || !Array.isArray(members.members)) expected(`${field}.members`, 'an array');
      if (eventType === 'memberJoined' && tokenRequired && typeof replyToken !== 'string') {
        expected('replyToken', 'a string');
      }
      const userIds = ((members as Json).members as unknown[]).flatMap((m, i) => {
        if (!isObject(m)) return expected(`${field}.members[${i}]`, 'an object');
        if (m.type !== 'user') return [];
        if (typeof m.userId !== 'string' || m.userId === '')
          expected(`${field}.members[${i}].userId`, 'a string');
        return [m.userId as string];
      });
      return { ...base, type: eventType, ...withToken, members: userIds };
    }
    case 'postback':
      if (!isObject(raw.postback) || typeof raw.postback.data !== 'string')
        expected('postback.data', 'a string');
      return { ...base, type: 'postback', ...withToken, ...senderOf(source as Json) };
    default: {
      const message = raw.message;
      if (!isObject(message) || typeof message.type !== 'string') return expected('message.type', 'a string');
      return {
        ...base,
        type: 'message',
        ...withToken,
        ...senderOf(source as Json),
        ...(message.type === 'text' && typeof message.text === 'string' && { text: message.text }),
        ...(mentionsSelf(message) && { mentionsSelf: true }),
      };
    }
  }
}

/** The sender, when LINE gives one (only phone users who consented; never fail without it). */
function senderOf(source: Json): { userId?: string } {
  const { userId } = source;
  if (userId === undefined) return {};
  if (typeof userId !== 'string' || userId === '') return expected('source.userId', 'a string');
  return { userId };
}

/** Whether the message mentions the OA itself (LINE 14.17+: `mention.mentionees[].isSelf`). */
function mentionsSelf(message: Json): boolean {
  const { mention } = message;
  if (!isObject(mention) || !Array.isArray(mention.mentionees)) return false;
  return mention.mentionees.some((m: unknown) => isObject(m) && m.isSelf === true);
}

/** follow and unfollow, from the 1:1 chat with the user. */
function friendshipEvent(
  raw: Json,
  type: FriendshipEvent['type'],
  source: Json | undefined,
  base: Pick<FriendshipEvent, 'webhookEventId' | 'at' | 'mode' | 'isRedelivery'>,
): FriendshipEvent | IgnoredEvent {
  if (source?.type !== 'user')
    return { type, webhookEventId: base.webhookEventId, reason: 'not from a 1:1 chat' };
  if (typeof source.userId !== 'string' || source.userId === '') return expected('source.userId', 'a string');
  const isUnblocked = type === 'follow' && isObject(raw.follow) && raw.follow.isUnblocked === true;
  return { ...base, type, userId: source.userId, ...(isUnblocked && { isUnblocked: true }) };
}

function chatOf(source: Json | undefined): Pick<ChatEvent, 'groupId' | 'chatType'> | undefined {
  switch (source?.type) {
    case 'group':
      if (typeof source.groupId !== 'string' || source.groupId === '') expected('source.groupId', 'a string');
      return { groupId: source.groupId as string, chatType: 'group' as const };
    case 'room':
      if (typeof source.roomId !== 'string' || source.roomId === '') expected('source.roomId', 'a string');
      return { groupId: source.roomId as string, chatType: 'room' as const };
    default:
      return undefined;
  }
}
