import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { createCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import { textMatters } from '../../lambda/domain/kept-text';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

/** A member's message text is kept only while processing may need it, and nowhere after. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Every item of every table, as JSON: what a full read of the stores finds. */
async function everything(): Promise<string> {
  const items: unknown[] = [];
  for (const TableName of Object.values(h.tables)) {
    for await (const page of paginateScan({ client: h.documents }, { TableName }))
      items.push(...(page.Items ?? []));
  }
  return JSON.stringify(items);
}

describe('message text', () => {
  it('is in no table after processing: not kept when it asks for nothing, dropped once applied when it does', async () => {
    const coupon = await createCoupon(
      {
        title: 't',
        startsAt: new Date(Date.now() - 3_600_000),
        endsAt: new Date(Date.now() + 3_600_000),
        reward: { type: 'free' },
      },
      h.couponDeps,
    );
    await setGroupCoupon(coupon.couponId, h.couponDeps);
    const groupId = newGroupId();
    await h.post([webhookEvents.join(groupId, { timestamp: Date.now() - 3_600_000 })]);
    const plain = 'きのうの会議の議事録は山田さんが持っています';
    const asking = 'クーポンありますか、田中より';
    await h.processing.pause();
    await h.post(
      [
        webhookEvents.message(groupId, plain),
        webhookEvents.message(groupId, asking, { replyToken: h.line.state.issueReplyToken(groupId) }),
      ],
      { settle: false },
    );
    // Stored for processing: the keyword's text, not the chatter's.
    const stored = await everything();
    expect(stored).not.toContain(plain);
    expect(stored).toContain(asking);

    h.processing.resume();
    await h.processing.drain();
    expect(
      h.line.state.sent.filter((s) => s.to === groupId).map((s) => s.messages.map((m) => m.type)),
    ).toEqual([['text', 'coupon']]);
    const after = await everything();
    expect(after).not.toContain(plain);
    expect(after).not.toContain(asking);
    expect(after).not.toContain('田中');
  });

  it('counts as needed when it holds a keyword anywhere, or a command at its start (after an @mention)', () => {
    const words = { anywhere: ['クーポン'], atStart: ['出勤'] };
    expect(textMatters('今日ｸｰﾎﾟﾝある？', words)).toBe(true);
    expect(textMatters('@勤怠くん 出勤', words)).toBe(true);
    expect(textMatters('ＣＯＵＰＯＮ', { anywhere: ['coupon'], atStart: [] })).toBe(true);
    expect(textMatters('明日は出勤します', words)).toBe(false);
    expect(textMatters('おはよう', words)).toBe(false);
    // Unknown words (settings unreadable): kept, so nothing is missed.
    expect(textMatters('おはよう', undefined)).toBe(true);
  });
});
