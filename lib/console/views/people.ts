import { html } from 'hono/html';
import type { MemberRow, ReachRow } from '../../../lambda/app/members/queries';

/** A share as operators read it: `42%`; `-` when LINE's member count is not known yet. */
export const percent = (share: number | null | undefined) =>
  share === null || share === undefined ? '-' : `${Math.round(share * 100)}%`;

/** A member's last sign of presence is kept by day for messages (Japan time), so shown as a day. */
const japanDate = (iso: string) => new Date(Date.parse(iso) + 9 * 3_600_000).toISOString().slice(0, 10);
const FRIEND_LABELS = { true: 'はい', false: 'いいえ', null: '不明' } as const;

/** The overview's card: a broadcast reaches friends only, so this is what it misses in groups. */
export function reachCard(summary: { chats: number; below50: number; reach: number | null }) {
  return html`<h2>一斉配信の届く範囲（グループ内の友だちの割合）</h2>
    <section class="cards" id="reach">
      <a class="card" href="/groups?below=50">
        <div>届く範囲が50%未満のグループ</div>
        <div class="n" data-reach="below50">${summary.below50.toLocaleString('ja-JP')}</div>
      </a>
      <div class="card">
        <div>グループ全体の届く範囲</div>
        <div class="n" data-reach="overall">${percent(summary.reach)}</div>
      </div>
    </section>
    <p class="hint">
      一斉配信は友だちにしか届かず、グループには届きません。届く範囲 = 友だちのメンバー ÷ LINE
      の人数。まだ分からないメンバーは「届かない」として数えるので、実際はこれ以上です。
    </p>`;
}

/** A chat's reach in a table cell: `3/10 (30%)`. */
export const reachCell = (reach: ReachRow | undefined) =>
  reach
    ? html`<td data-column="reach" data-reach="${reach.reach ?? ''}">
        ${reach.friends}/${reach.memberCount ?? '?'} (${percent(reach.reach)})
      </td>`
    : html`<td data-column="reach">-</td>`;

/** The members a chat is known to have: from joins, senders and LINE's member list where allowed. */
export function membersSection(rows: MemberRow[]) {
  const present = rows.filter((r) => r.status === 'present');
  return html`<h2>メンバー（分かっている人）</h2>
    <p>
      ${present.length} 人が参加中、うち友だち ${present.filter((r) => r.isFriend).length} 人。
      名前はLINEのメンバープロフィールから、友だちかどうかはプロフィールAPIから後で読みます。
    </p>
    ${
      rows.length === 0
        ? html`<p>まだいません（参加・発言・メンバー一覧の同期で分かります）</p>`
        : html`<table id="members">
            <thead>
              <tr>
                <th>名前</th>
                <th>友だち</th>
                <th>状態</th>
                <th>最後に確認した日 (日本時間)</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) =>
                  html`<tr data-friend="${String(r.isFriend)}" data-status="${r.status}">
                    <td>${r.displayName ?? '（名前未取得）'}</td>
                    <td>${FRIEND_LABELS[String(r.isFriend) as keyof typeof FRIEND_LABELS]}</td>
                    <td>${r.status === 'present' ? '参加中' : '退出'} <code>${r.status}</code></td>
                    <td>${japanDate(r.lastSeenAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}
