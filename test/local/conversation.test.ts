import { conversationLines, describeEvent } from '../../lib/local/line-emulator/conversation';
import type { SentMessage } from '../../lib/local/line-emulator/state';
import { asRedelivery, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';

/** An event as the local server sees it: parsed from the request body. */
const asReceived = (event: unknown) => JSON.parse(JSON.stringify(event)) as Record<string, unknown>;

describe('the conversation npm start prints', () => {
  it('shows what the bot sent, one console line per message, named by chat', () => {
    const sent: SentMessage = {
      sequence: 1,
      at: new Date().toISOString(),
      via: 'reply',
      to: 'C1',
      messages: [
        { type: 'text', text: 'ようこそ\n「クーポン」と送ってください' },
        { type: 'coupon', couponId: 'cp1' },
        { type: 'flex', altText: '友だち追加', contents: {} },
      ],
    };
    expect(conversationLines(sent, 'Group 1')).toEqual([
      '  [Group 1 (C1)] bot (reply): ようこそ ↵ 「クーポン」と送ってください',
      '  [Group 1 (C1)] bot (reply): [coupon cp1]',
      '  [Group 1 (C1)] bot (reply): [card] 友だち追加',
    ]);
  });

  it("shows the members' side: what they said, invitations, and redeliveries", () => {
    const said = webhookEvents.message('C2', 'クーポン');
    expect(describeEvent(asReceived(said))).toBe('  [C2] member: クーポン');
    expect(describeEvent(asReceived(asRedelivery([said])[0]))).toBe('  [C2] member: クーポン (redelivery)');
    expect(describeEvent(asReceived(webhookEvents.join('C2')))).toBe('  [C2] the OA was invited in');
  });

  it('names nobody: 1:1 events and replies to a user show no user ID, group lines no sender', () => {
    const userId = newUserId();
    const lines = [
      describeEvent(asReceived(webhookEvents.follow(userId))),
      describeEvent(asReceived(webhookEvents.follow(userId, { isUnblocked: true }))),
      describeEvent(asReceived(webhookEvents.unfollow(userId))),
      describeEvent(asReceived(webhookEvents.message('C3', 'やあ', { userId }))),
      ...conversationLines({
        sequence: 2,
        at: new Date().toISOString(),
        via: 'reply',
        to: userId,
        messages: [{ type: 'text', text: 'ありがとう' }],
      }),
    ];
    expect(lines).toEqual([
      '  [a 1:1 chat] a user added the OA as a friend',
      '  [a 1:1 chat] a user unblocked the OA',
      '  [a 1:1 chat] a user blocked the OA',
      '  [C3] member: やあ',
      '  [a 1:1 chat] bot (reply): ありがとう',
    ]);
  });
});
