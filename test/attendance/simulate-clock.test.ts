import { parseCommand } from '../../lib/cli/simulate';
import { UsageError } from '../../lib/cli/usage-error';

const groupId = `C${'a'.repeat(32)}`;
const user = `U${'b'.repeat(32)}`;

describe('npm run simulate -- clock', () => {
  it.each([
    ['in', '出勤'],
    ['out', '退勤'],
    ['break', '休憩'],
    ['back', '戻り'],
  ])('clock %s sends %s as the member', (kind, text) => {
    expect(parseCommand(['clock', kind], { lastGroupId: groupId }, { user: [user] })).toEqual({
      name: 'message',
      groupId,
      text,
      userId: user,
    });
  });

  it('names the chat, or sends with no sender (LINE for PC)', () => {
    expect(parseCommand(['clock', groupId, 'in'], {}, { noUser: true })).toEqual({
      name: 'message',
      groupId,
      text: '出勤',
      userId: null,
    });
  });

  it('refuses what is not a clock command, plainly', () => {
    expect(() => parseCommand(['clock', 'lunch'], { lastGroupId: groupId })).toThrow(UsageError);
    expect(() => parseCommand(['clock'], { lastGroupId: groupId })).toThrow(/in, out, break or back/);
    expect(() => parseCommand(['clock', 'in'], {})).toThrow(/which group/);
  });
});
