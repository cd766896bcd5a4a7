import type { Coupon } from './coupons';
import type { Message } from './messages';
import { renderFriendCard, type Templates } from './templates';

/** What the bot answers with a reply token (free: replies cost no message quota). */
export type ReplyKind = 'welcome' | 'coupon' | 'memberWelcome' | 'attendance';

const couponMessage = (coupon: Coupon): Message => ({ type: 'coupon', couponId: coupon.couponId });

/** On join: a welcome, the group coupon (and how to ask again) if one is running, and the add-friend card. */
export function welcomeMessages(templates: Templates, groupCoupon: Coupon | undefined): Message[] {
  const hint = groupCoupon && templates.couponHint ? `\n${templates.couponHint}` : '';
  return [
    { type: 'text', text: `${templates.welcomeText}${hint}` },
    ...(groupCoupon ? [couponMessage(groupCoupon)] : []),
    renderFriendCard(templates),
  ];
}

/**
 * On a keyword: the coupon, with the operator's line of text if any. When keywords need an
 * @mention of the OA, the reply mentions the member who asked (text message v2), so the group
 * sees who it is for.
 */
export function couponReplyMessages(templates: Templates, coupon: Coupon, askedBy?: string): Message[] {
  if (templates.keywordsNeedMention && askedBy) {
    return [
      {
        type: 'textV2',
        text: templates.couponText ? `{member} ${templates.couponText}` : '{member}',
        substitution: { member: { type: 'mention', mentionee: { type: 'user', userId: askedBy } } },
      },
      couponMessage(coupon),
    ];
  }
  return [
    ...(templates.couponText ? [{ type: 'text', text: templates.couponText }] : []),
    couponMessage(coupon),
  ];
}
