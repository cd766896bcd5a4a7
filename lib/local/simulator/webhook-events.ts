import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook bodies shaped as LINE sends them (shared/line-openapi/webhook.yml: CallbackRequest and
 * its events), signed as LINE signs them. The simulator, the end-to-end tests and the benchmark
 * all build their webhooks here.
 */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID, the format of LINE's webhookEventId. */
export function ulid(time = Date.now()): string {
  let head = '';
  for (let t = time, i = 0; i < 10; i++, t = Math.floor(t / 32)) head = CROCKFORD[t % 32] + head;
  const tail = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return head + tail;
}

const hex32 = () => randomBytes(16).toString('hex');
export const newGroupId = () => `C${hex32()}`;
export const newRoomId = () => `R${hex32()}`;
export const newUserId = () => `U${hex32()}`;

export type WebhookEvent = Record<string, unknown> & {
  type: string;
  webhookEventId: string;
  timestamp: number;
};

export interface EventOptions {
  /** Milliseconds since the epoch; now by default. */
  timestamp?: number;
  webhookEventId?: string;
  isRedelivery?: boolean;
  replyToken?: string;
  /** The sender of a message or postback; a new user when absent, none when null (LINE omits it
   * for users of LINE for PC and users who did not consent). */
  userId?: string | null;
}

/** `C…` ids are group chats, `R…` ids multi-person chats (rooms), as LINE issues them. */
export function chatSource(groupId: string, userId?: string | null): Record<string, string> {
  const source: Record<string, string> = groupId.startsWith('R')
    ? { type: 'room', roomId: groupId }
    : { type: 'group', groupId };
  if (userId) source.userId = userId;
  return source;
}

function base(type: string, groupId: string, options: EventOptions, userId?: string | null): WebhookEvent {
  const timestamp = options.timestamp ?? Date.now();
  return {
    type,
    mode: 'active',
    timestamp,
    source: chatSource(groupId, userId),
    webhookEventId: options.webhookEventId ?? ulid(timestamp),
    deliveryContext: { isRedelivery: options.isRedelivery ?? false },
  };
}

const replyToken = (options: EventOptions) => options.replyToken ?? randomBytes(16).toString('hex');
const sender = (options: EventOptions) => (options.userId === undefined ? newUserId() : options.userId);

export const webhookEvents = {
  join: (groupId: string, options: EventOptions = {}) => ({
    ...base('join', groupId, options),
    replyToken: replyToken(options),
  }),
  leave: (groupId: string, options: EventOptions = {}) => base('leave', groupId, options),
  /**
   * A text message; `mentionsOa` puts the OA's @mention first (`isSelf`, as LINE marks a mention of
   * the bot that receives the webhook), as a member typing "@OA …" does.
   */
  message: (groupId: string, text: string, options: EventOptions & { mentionsOa?: string } = {}) => {
    const timestamp = options.timestamp ?? Date.now();
    const mention = options.mentionsOa ? `@${options.mentionsOa} ` : '';
    return {
      ...base('message', groupId, { ...options, timestamp }, sender(options)),
      replyToken: replyToken(options),
      message: {
        id: String(timestamp),
        type: 'text',
        quoteToken: randomBytes(8).toString('hex'),
        text: `${mention}${text}`,
        ...(mention && {
          mention: { mentionees: [{ index: 0, length: mention.length - 1, type: 'user', isSelf: true }] },
        }),
      },
    };
  },
  postback: (groupId: string, data: string, options: EventOptions = {}) => ({
    ...base('postback', groupId, options, sender(options)),
    replyToken: replyToken(options),
    postback: { data },
  }),
  memberJoined: (groupId: string, userIds: string[] = [newUserId()], options: EventOptions = {}) => ({
    ...base('memberJoined', groupId, options),
    replyToken: replyToken(options),
    joined: { members: userIds.map((userId) => ({ type: 'user', userId })) },
  }),
  memberLeft: (groupId: string, userIds: string[] = [newUserId()], options: EventOptions = {}) => ({
    ...base('memberLeft', groupId, options),
    left: { members: userIds.map((userId) => ({ type: 'user', userId })) },
  }),
  /** A user adds the OA as a friend, or unblocks it (`isUnblocked`), in their 1:1 chat. */
  follow: (userId: string, options: EventOptions & { isUnblocked?: boolean } = {}) => ({
    ...base('follow', '', options),
    source: { type: 'user', userId },
    replyToken: replyToken(options),
    follow: { isUnblocked: options.isUnblocked ?? false },
  }),
  /** A user blocks the OA: LINE's only way to stop being its friend. No reply token. */
  unfollow: (userId: string, options: EventOptions = {}) => ({
    ...base('unfollow', '', options),
    source: { type: 'user', userId },
  }),
};

/** The bot's user ID that LINE puts in `destination`. */
export const DEFAULT_DESTINATION = `U${'0'.repeat(32)}`;

export function webhookBody(events: WebhookEvent[], destination = DEFAULT_DESTINATION): string {
  return JSON.stringify({ destination, events });
}

/** `x-line-signature`: base64 HMAC-SHA256 of the exact body bytes with the channel secret. */
export function signature(body: string | Buffer, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

/** The same webhook as LINE sends it again: same ids, `isRedelivery: true`. */
export function asRedelivery(events: WebhookEvent[]): WebhookEvent[] {
  return events.map((e) => ({ ...e, deliveryContext: { isRedelivery: true } }));
}
