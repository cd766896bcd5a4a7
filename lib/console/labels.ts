/**
 * Japanese labels for operators, each shown beside the stored value, so a page reads like the CLI,
 * the table and the README: 追い出し `ejected`.
 */
export const STATUS_LABELS: Record<string, string> = {
  active: '参加中',
  left: '退出',
  ejected: '追い出し',
};

export const REASON_LABELS: Record<string, string> = {
  removed: 'メンバーが退出させた',
  mass_leave: '一斉退出（参加許可がオフ）',
  second_official_account: '他の公式アカウントが先に参加',
  left_by_operator: '運用者が退出させた',
  not_a_member: 'メンバーではなくなった',
};

export const DECISION_LABELS: Record<string, string> = {
  activated: '参加として記録',
  left: '退出として記録',
  ejected: '追い出しと判定',
  activity: '発言など',
  stale: '古いイベント（反映なし）',
  unchanged: '変化なし',
};

export const DELIVERY_LABELS: Record<string, string> = {
  sent: '送信済み',
  skipped: '対象外',
  failed: '失敗',
  pending: '送信待ち',
};
