import type { Message } from '../messages';
import type { Punch } from './commands';
import type { PunchEffect } from './shifts';

const WORDS: Record<Punch, string> = { in: '出勤', out: '退勤', break: '休憩', back: '戻り' };

/** Someone LINE did not name (or whose name could not be read yet) is still addressed. */
const nameOf = (displayName: string | undefined) => `${displayName ?? 'メンバー'}さん`;

/**
 * The free reply to a clock command: who, what and the recorded time (LINE's timestamp in the
 * chat's zone), or what the command found instead.
 */
export function punchReply(
  punch: Punch,
  effect: PunchEffect,
  displayName: string | undefined,
  time: string,
  since?: string,
): Message {
  const who = nameOf(displayName);
  const texts: Record<PunchEffect, string> = {
    recorded: `${who} ${WORDS[punch]} ${time} を記録しました`,
    alreadyIn: `${who} はすでに出勤中です${since ? `（${since} 出勤）` : ''}。二重には記録しません`,
    notIn: `${who} は出勤の記録がありません。先に「出勤」を送ってください`,
    alreadyOnBreak: `${who} はすでに休憩中です${since ? `（${since} から）` : ''}`,
    notOnBreak: `${who} は休憩中ではありません`,
    noIn: `${who} ${WORDS[punch]} ${time} を記録しました。出勤の記録がないため「修正 出勤 09:00」の形で申請してください`,
  };
  return { type: 'text', text: texts[effect] };
}

/** LINE sent the command without `source.userId` (LINE for PC, or a user who did not consent). */
export const uncreditedReply = (): Message => ({
  type: 'text',
  text: '送信者がわからないため記録できませんでした。スマートフォンのLINEアプリから送ってください（PC版からは記録できません）',
});

export function correctionReply(
  displayName: string | undefined,
  correction: { date: string; punch: 'in' | 'out'; time: string },
): Message {
  const [, month, day] = correction.date.split('-').map(Number);
  return {
    type: 'text',
    text: `${nameOf(displayName)} ${month}/${day} ${WORDS[correction.punch]} ${correction.time} の修正を申請しました。管理者の承認後に反映されます`,
  };
}

export const correctionFormReply = (displayName: string | undefined): Message => ({
  type: 'text',
  text: `${nameOf(displayName)} 修正は「修正 退勤 18:00」または「修正 11/24 出勤 09:00」の形で送ってください`,
});
