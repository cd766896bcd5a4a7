import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { closeCoupon, createCoupon } from '../../lambda/app/manage-coupons';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

// Two coupons may share a keyword (the latest one answers it); closing one must not silence the
// other. Real settings and coupons tables, the webhook and the LINE emulator.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const hour = 3_600_000;
const newCoupon = (title: string, keyword: string) =>
  createCoupon(
    {
      title,
      startsAt: new Date(Date.now() - hour),
      endsAt: new Date(Date.now() + 24 * hour),
      reward: { type: 'discount', percentage: 10 },
      keyword,
    },
    h.couponDeps,
  );
const askIn = async (groupId: string, text: string) => {
  await h.post([webhookEvents.message(groupId, text, { replyToken: h.line.state.issueReplyToken(groupId) })]);
  return h.line.state.sent.filter((s) => s.to === groupId).flatMap((s) => s.messages);
};

describe('coupon keywords', () => {
  it('closing coupon A keeps the keyword coupon B took over, and B still answers it', async () => {
    const a = await newCoupon('ランチ 10%OFF（旧）', 'ランチ');
    const b = await newCoupon('ランチ 10%OFF', 'ランチ');
    expect(await h.couponDeps.settings.couponKeywords()).toEqual({ ランチ: b.couponId });

    await closeCoupon(a.couponId, h.couponDeps);

    expect(await h.couponDeps.settings.couponKeywords()).toEqual({ ランチ: b.couponId });
    expect((await askIn(newGroupId(), 'ランチのクーポンある？')).at(-1)).toEqual({
      type: 'coupon',
      couponId: b.couponId,
    });
  });

  it('closing the coupon a keyword points to removes that keyword only', async () => {
    const dessert = await newCoupon('デザート無料', 'デザート');
    const drink = await newCoupon('ドリンク無料', 'ドリンク');

    await closeCoupon(dessert.couponId, h.couponDeps);

    const keywords = await h.couponDeps.settings.couponKeywords();
    expect(keywords).not.toHaveProperty('デザート');
    expect(keywords).toMatchObject({ ドリンク: drink.couponId });
    expect(await askIn(newGroupId(), 'デザートください')).toEqual([]);
  });

  it('keywords set at the same time are all kept (each is written in place, not read and put back)', async () => {
    const words = ['朝', '昼', '晩', '週末', '平日'];
    await Promise.all(words.map((w, i) => h.couponDeps.settings.setCouponKeyword(w, `coupon-${i}`)));
    expect(await h.couponDeps.settings.couponKeywords()).toMatchObject(
      Object.fromEntries(words.map((w, i) => [w, `coupon-${i}`])),
    );
  });

  it('removing a keyword is conditional: it stays when it points to another coupon by then', async () => {
    const c = await newCoupon('夜 500円引き', '夜');
    await h.couponDeps.settings.removeCouponKeyword('夜', 'some-other-coupon');
    expect(await h.couponDeps.settings.couponKeywords()).toMatchObject({ 夜: c.couponId });
    // No keywords item at all: nothing to remove, and no error.
    await h.documents.send(
      new DeleteCommand({ TableName: h.tables.settings, Key: { setting: 'couponKeywords' } }),
    );
    await h.couponDeps.settings.removeCouponKeyword('夜', c.couponId);
    expect(await h.couponDeps.settings.couponKeywords()).toEqual({});
  });
});
