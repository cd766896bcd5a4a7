import type { ChatEvent } from './events';
import { type Coupon, containsKeyword, isCouponAvailable } from './coupons';
import type { Group } from './group';
import type { Decision } from './lifecycle';
import type { Message } from './messages';
import { couponReplyMessages, type ReplyKind, welcomeMessages } from './replies';
import { renderMemberWelcome, type Templates } from './templates';

/** The operator's current offer: templates, the group coupon, and coupons with their own keyword. */
export interface Offers {
  templates: Templates;
  groupCoupon?: Coupon;
  keywordCoupons: Coupon[];
}

export interface ReplyPolicy {
  /** At most one welcome card for new members per chat in this long (event time). */
  memberWelcomeCooldownMs: number;
  /**
   * LINE takes a reply token for about a minute after the event; past this age (a backlog, a
   * replay) nothing is answered and no cool-down starts.
   */
  replyWithinMs: number;
}

export const defaultReplyPolicy: ReplyPolicy = { memberWelcomeCooldownMs: 3_600_000, replyWithinMs: 55_000 };

export interface Reply {
  kind: ReplyKind;
  replyToken: string;
  messages: Message[];
  coupon?: Coupon;
}

/**
 * The coupon a message asks for: a coupon's own keyword first, then the group coupon's keywords;
 * none when keywords need an @mention of the OA and the message has none.
 */
export function askedCoupon(
  event: { text?: string; at: string; mentionsSelf?: boolean },
  offers: Offers,
): Coupon | undefined {
  if (event.text === undefined) return undefined;
  if (offers.templates.keywordsNeedMention && !event.mentionsSelf) return undefined;
  return requestedCoupon(event.text, offers, event.at);
}

/** The coupon a text asks for: a coupon's own keyword first, then the group coupon's keywords. */
export function requestedCoupon(text: string, offers: Offers, at: string): Coupon | undefined {
  const own = offers.keywordCoupons.find(
    (c) => c.keyword !== undefined && isCouponAvailable(c, at) && containsKeyword(text, [c.keyword]),
  );
  if (own) return own;
  return containsKeyword(text, offers.templates.keywords) && isCouponAvailable(offers.groupCoupon, at)
    ? offers.groupCoupon
    : undefined;
}

/** Whether the event's reply token is too old to use at `now`. */
export const replyTokenExpired = (event: Pick<ChatEvent, 'at'>, now: Date, policy: ReplyPolicy) =>
  now.getTime() - Date.parse(event.at) > policy.replyWithinMs;

/**
 * What the bot answers to one event, and the chat as it must be saved with that answer. The
 * cool-down is kept on the chat (`lastCouponReplyAt`, event time) and saved in the same
 * transaction as the event, so a redelivered or concurrent keyword never sends a second coupon.
 * An answer whose token is too old at `now` is not sent and starts no cool-down (`expired`).
 */
export function decideReply(
  group: Group,
  event: ChatEvent,
  decision: Decision,
  offers: Offers,
  policy: ReplyPolicy = defaultReplyPolicy,
  now?: Date,
): { group: Group; reply?: Reply; expired?: Reply['kind'] } {
  const decided = answer(group, event, decision, offers, policy);
  if (decided.reply && now && replyTokenExpired(event, now, policy))
    return { group, expired: decided.reply.kind };
  return decided;
}

function answer(
  group: Group,
  event: ChatEvent,
  decision: Decision,
  offers: Offers,
  policy: ReplyPolicy,
): { group: Group; reply?: Reply } {
  // In standby another channel holds the chat: recorded, never answered (LINE sends no token then).
  if (group.status !== 'active' || event.mode === 'standby') return { group };
  if (!('replyToken' in event) || !event.replyToken) return { group };
  if (event.type === 'join' && decision === 'activated') {
    const coupon = isCouponAvailable(offers.groupCoupon, event.at) ? offers.groupCoupon : undefined;
    return {
      group,
      reply: {
        kind: 'welcome',
        replyToken: event.replyToken,
        messages: welcomeMessages(offers.templates, coupon),
        ...(coupon && { coupon }),
      },
    };
  }
  if (event.type === 'memberJoined') {
    // Kept on the chat and saved with the event, like the coupon's cool-down: concurrent or
    // redelivered joins of members never send two cards.
    const card = renderMemberWelcome(offers.templates);
    const last = group.lastMemberWelcomeAt;
    if (
      !card ||
      (last !== undefined && Date.parse(event.at) < Date.parse(last) + policy.memberWelcomeCooldownMs)
    ) {
      return { group };
    }
    return {
      group: { ...group, lastMemberWelcomeAt: event.at },
      reply: { kind: 'memberWelcome', replyToken: event.replyToken, messages: [card] },
    };
  }
  if (event.type !== 'message' || event.text === undefined) return { group };
  const coupon = askedCoupon(event, offers);
  if (!coupon) return { group };
  const cooldownMs = offers.templates.keywordCooldownSeconds * 1000;
  const last = group.lastCouponReplyAt;
  if (last !== undefined && Date.parse(event.at) < Date.parse(last) + cooldownMs) return { group };
  return {
    group: { ...group, lastCouponReplyAt: event.at },
    reply: {
      kind: 'coupon',
      replyToken: event.replyToken,
      messages: couponReplyMessages(offers.templates, coupon, event.userId),
      coupon,
    },
  };
}

/** Whether an event could lead to a reply, so offers are only loaded when needed. */
export const mayReply = (event: ChatEvent) =>
  event.mode === 'active' &&
  (event.type === 'join' ||
    event.type === 'memberJoined' ||
    (event.type === 'message' && event.text !== undefined)) &&
  'replyToken' in event &&
  event.replyToken !== undefined;

/**
 * Whether an activity event asks for an answer under these offers (a coupon keyword): such an
 * event takes the recorded path, whose transaction keeps the cool-down.
 */
export const asksForAnswer = (event: ChatEvent, offers: Offers | undefined): boolean =>
  mayReply(event) &&
  (event.type !== 'message' ||
    offers === undefined ||
    ('text' in event && askedCoupon(event, offers) !== undefined));
