import { createCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import { asRedelivery, newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await setGroupCoupon(undefined, h.couponDeps);
  await h.couponDeps.settings.setTemplateOverrides({});
});

const hour = 3_600_000;
const newCoupon = (title = '全品10%OFF', keyword?: string) =>
  createCoupon(
    {
      title,
      startsAt: new Date(Date.now() - hour),
      endsAt: new Date(Date.now() + 24 * hour),
      reward: { type: 'discount', percentage: 10 },
      ...(keyword && { keyword }),
    },
    h.couponDeps,
  );
/** Events as LINE sends them, with reply tokens the emulator will accept once. */
const join = (groupId: string, timestamp = Date.now()) =>
  webhookEvents.join(groupId, { timestamp, replyToken: h.line.state.issueReplyToken(groupId) });
const say = (groupId: string, text: string, timestamp = Date.now()) =>
  webhookEvents.message(groupId, text, { timestamp, replyToken: h.line.state.issueReplyToken(groupId) });
const sentTo = (groupId: string) => h.line.state.sent.filter((s) => s.to === groupId);
const types = (groupId: string) => sentTo(groupId).map((s) => s.messages.map((m) => m.type));

describe('replies in groups', () => {
  it('on join: a welcome and the add-friend card, with no coupon when none is set', async () => {
    const groupId = newGroupId();
    await h.post([join(groupId)]);
    expect(types(groupId)).toEqual([['text', 'flex']]);
    const [welcome] = sentTo(groupId);
    expect(welcome!.via).toBe('reply');
    expect(JSON.stringify(welcome!.messages[1])).toContain('https://line.me/R/ti/p/@line-groups');
    // Without a coupon the welcome promises none.
    expect(welcome!.messages[0]).toEqual({
      type: 'text',
      text: 'グループに招待いただきありがとうございます！',
    });
    expect((await h.registry.recentEvents(groupId))[0]).toMatchObject({
      eventType: 'join',
      reply: 'welcome',
    });
  });

  it('on join: the group coupon between the welcome and the card when one is set', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    await h.post([join(groupId)]);
    expect(sentTo(groupId)[0]!.messages).toEqual([
      { type: 'text', text: expect.stringContaining('「クーポン」と送ると') as string },
      { type: 'coupon', couponId: coupon.couponId },
      expect.objectContaining({ type: 'flex' }),
    ]);
  });

  it('no welcome when the join turns out to be an ejection (LINE says not a member)', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, { chatType: 'group', groupName: 'g', memberCount: 3, isMember: false });
    await h.post([join(groupId)]);
    expect(sentTo(groupId)).toEqual([]);
  });

  it('a keyword in any width or case answers with the group coupon, once per cool-down', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    const t = Date.now();
    const sentBefore = h.recorder.metric('couponRepliesSent');
    await h.post([join(groupId, t)]);
    await h.post([say(groupId, 'ｸｰﾎﾟﾝありますか？', t + 1000)]);
    await h.post([say(groupId, 'COUPON please', t + 2000)]);
    await h.post([say(groupId, 'クーポン', t + 601_000)]);
    const couponReplies = sentTo(groupId).filter(
      (s) =>
        s.messages.some((m) => m.type === 'coupon') &&
        s.messages[0]!.type === 'text' &&
        s.messages.length === 2,
    );
    expect(couponReplies).toHaveLength(2);
    expect(couponReplies[0]!.messages).toEqual([
      { type: 'text', text: 'クーポンをどうぞ！' },
      { type: 'coupon', couponId: coupon.couponId },
    ]);
    expect(h.recorder.metric('couponRepliesSent')).toBe(sentBefore + 2);
  });

  it('a reply LINE refuses gives its cool-down back: the next keyword is answered, and the record says so', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([join(groupId, t - 2 * hour)]);
    h.line.state.faults.push({ match: 'POST /v2/bot/message/reply', status: 500, count: 1 });
    const refused = say(groupId, 'クーポン', t);
    await h.post([refused]);
    await h.post([say(groupId, 'クーポン', t + 30_000)]);
    // (No welcome: that join is two hours old, its token long expired.)
    expect(types(groupId)).toEqual([['text', 'coupon']]);
    const records = await h.registry.recentEvents(groupId);
    expect(records.find((e) => e.webhookEventId === refused.webhookEventId)).toMatchObject({
      reply: 'coupon',
      replyStatus: 'failed',
    });
    expect((await h.registry.load(groupId))?.group.lastCouponReplyAt).toBe(
      new Date(t + 30_000).toISOString(),
    );
  });

  it('a keyword older than a reply token lives (a backlog, a replay) is not answered and starts no cool-down', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([join(groupId, t - 2 * hour)]);
    const late = say(groupId, 'クーポン', t - 2 * 60_000);
    await h.post([late]);
    expect(types(groupId)).toEqual([]);
    expect(
      (await h.registry.recentEvents(groupId)).find((e) => e.webhookEventId === late.webhookEventId),
    ).toMatchObject({ reply: 'coupon', replyStatus: 'expired' });
    await h.post([say(groupId, 'クーポン', t)]);
    expect(types(groupId)).toEqual([['text', 'coupon']]);
  });

  it('with keywordsNeedMention, "クーポンほしい" gets nothing and "@OA クーポン" a reply mentioning its sender', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    await h.couponDeps.settings.setTemplateOverrides({
      keywordsNeedMention: true,
      keywordCooldownSeconds: 0,
    });
    const groupId = newGroupId();
    const member = 'U0123456789abcdef0123456789abcdef';
    await h.post([say(groupId, 'クーポンほしい')]);
    expect(sentTo(groupId)).toEqual([]);
    await h.post([
      webhookEvents.message(groupId, 'クーポン', {
        mentionsOa: 'ライングループ',
        userId: member,
        replyToken: h.line.state.issueReplyToken(groupId),
      }),
    ]);
    expect(sentTo(groupId).map((s) => s.messages)).toEqual([
      [
        {
          type: 'textV2',
          text: '{member} クーポンをどうぞ！',
          substitution: { member: { type: 'mention', mentionee: { type: 'user', userId: member } } },
        },
        { type: 'coupon', couponId: coupon.couponId },
      ],
    ]);
    // Off again: today's behaviour, no mention needed, a plain text reply.
    await h.couponDeps.settings.setTemplateOverrides({ keywordCooldownSeconds: 0 });
    await h.post([say(groupId, 'クーポンほしい', Date.now() + 1)]);
    expect(sentTo(groupId).at(-1)?.messages[0]).toEqual({ type: 'text', text: 'クーポンをどうぞ！' });
  });

  it('the cool-down is configurable without a deploy', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    await h.couponDeps.settings.setTemplateOverrides({ keywordCooldownSeconds: 0, couponText: '' });
    const groupId = newGroupId();
    await h.post([say(groupId, 'クーポン'), say(groupId, 'クーポン', Date.now() + 1)]);
    expect(types(groupId)).toEqual([['coupon'], ['coupon']]);
  });

  it('no coupon set, no keyword reply; plain messages get no reply', async () => {
    const groupId = newGroupId();
    await h.post([say(groupId, 'クーポン'), say(groupId, 'こんにちは', Date.now() + 1)]);
    expect(sentTo(groupId)).toEqual([]);
  });

  it('a redelivered keyword webhook does not send the coupon twice', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    await h.couponDeps.settings.setTemplateOverrides({ keywordCooldownSeconds: 0 });
    const groupId = newGroupId();
    const events = [say(groupId, 'クーポンください')];
    await h.post(events);
    await h.post(asRedelivery(events));
    await Promise.all([h.post(asRedelivery(events)), h.post(asRedelivery(events))]);
    expect(sentTo(groupId)).toHaveLength(1);
  });

  it('concurrent keyword webhooks for one group send one coupon within the cool-down', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    const t = Date.now();
    await Promise.all(Array.from({ length: 6 }, (_, i) => h.post([say(groupId, 'クーポン', t + i)])));
    expect(sentTo(groupId)).toHaveLength(1);
  });

  it('a coupon with its own keyword answers that keyword', async () => {
    const own = await newCoupon('ドリンク1杯無料', 'ドリンク');
    const groupId = newGroupId();
    await h.post([say(groupId, 'ドリンクのクーポンある？')]);
    expect(sentTo(groupId)[0]!.messages.at(-1)).toEqual({ type: 'coupon', couponId: own.couponId });
  });

  it('a closed coupon is never sent', async () => {
    const coupon = await newCoupon();
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    await h.couponDeps.line.closeCoupon(coupon.couponId);
    await h.couponDeps.coupons.put({ ...coupon, status: 'CLOSED' });
    const groupId = newGroupId();
    await h.post([say(groupId, 'クーポン')]);
    expect(sentTo(groupId)).toEqual([]);
  });

  it('an invalid template is refused before it is saved, naming the field', async () => {
    await expect(
      h.couponDeps.settings.setTemplateOverrides({
        friendCard: { type: 'flex', altText: '', contents: { type: 'bubble' } },
      }),
    ).rejects.toThrow('templates.friendCard.altText: May not be empty');
    await expect(h.couponDeps.settings.setTemplateOverrides({ keywords: [''] })).rejects.toThrow(
      'templates.keywords',
    );
  });
});

describe('a welcome card for members who join later', () => {
  const memberJoined = (groupId: string, timestamp = Date.now()) =>
    webhookEvents.memberJoined(groupId, undefined, {
      timestamp,
      replyToken: h.line.state.issueReplyToken(groupId),
    });
  const cards = (groupId: string) =>
    sentTo(groupId).filter((s) => JSON.stringify(s.messages).includes('ようこそ'));

  it('answers a new member with the add-friend card, with its reply token, once per cool-down', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    const sentBefore = h.recorder.metric('memberWelcomesSent');
    await h.post([join(groupId, t - 7_200_000)]);
    await h.post([memberJoined(groupId, t)]);
    await h.post([memberJoined(groupId, t + 60_000)]); // inside the hour: no second card
    await h.post([memberJoined(groupId, t + 3_601_000)]);
    expect(cards(groupId)).toHaveLength(2);
    expect(cards(groupId)[0]).toMatchObject({
      via: 'reply',
      messages: [expect.objectContaining({ type: 'flex' })],
    });
    expect(JSON.stringify(cards(groupId)[0]!.messages)).toContain('https://line.me/R/ti/p/@line-groups');
    expect(h.recorder.metric('memberWelcomesSent')).toBe(sentBefore + 2);
    expect((await h.registry.recentEvents(groupId)).filter((e) => e.reply === 'memberWelcome')).toHaveLength(
      2,
    );
  });

  it('a card LINE refuses gives the cool-down back: the next member gets it', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([join(groupId, t - 7_200_000)]);
    h.line.state.faults.push({ match: 'POST /v2/bot/message/reply', status: 500, count: 1 });
    await h.post([memberJoined(groupId, t)]);
    await h.post([memberJoined(groupId, t + 60_000)]);
    expect(cards(groupId)).toHaveLength(1);
    expect((await h.registry.load(groupId))?.group.lastMemberWelcomeAt).toBe(
      new Date(t + 60_000).toISOString(),
    );
  });

  it('concurrent and redelivered member joins send one card', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    await h.post([join(groupId, t - 7_200_000)]);
    const joins = Array.from({ length: 6 }, (_, i) => memberJoined(groupId, t + i));
    await Promise.all(joins.map((e) => h.post([e], { settle: false })));
    await Promise.all(joins.map((e) => h.post(asRedelivery([e]), { settle: false })));
    await h.processing.drain();
    expect(cards(groupId)).toHaveLength(1);
  });

  it('operators can change it or turn it off (memberWelcome: null)', async () => {
    await h.couponDeps.settings.setTemplateOverrides({ memberWelcome: null });
    const groupId = newGroupId();
    await h.post([join(groupId, Date.now() - 7_200_000)]);
    await h.post([memberJoined(groupId)]);
    expect(cards(groupId)).toEqual([]);
    await expect(
      h.couponDeps.settings.setTemplateOverrides({
        memberWelcome: { type: 'flex', altText: '', contents: {} },
      }),
    ).rejects.toThrow('templates.memberWelcome');
  });
});
