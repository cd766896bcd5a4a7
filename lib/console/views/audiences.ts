import { html } from 'hono/html';
import type { AudienceRow } from '../../../lambda/domain/audiences';
import type { Coupon } from '../../../lambda/domain/coupons';
import { isFinished, type NarrowcastCampaign } from '../../../lambda/domain/narrowcast';

const notice = (message?: { ok?: string; error?: string }) =>
  message?.error
    ? html`<p class="error" role="alert">${message.error}</p>`
    : message?.ok
      ? html`<p class="ok" role="status">${message.ok}</p>`
      : '';

const ORIGIN_LABELS = { 'line-groups': 'このツール', line: 'LINE（OA Manager など）' } as const;

/** `/audiences`: LINE's audiences with where each came from, and the form that makes one. */
export function audiencesPage(options: {
  audiences: AudienceRow[];
  form?: { name?: string; groups?: string; belowReach?: string; friendsOnly?: boolean };
  message?: { ok?: string; error?: string };
}) {
  const f = options.form ?? {};
  return html`
    ${notice(options.message)}
    <p class="note">
      オーディエンスは LINE が保持する配信先です。作成後 LINE が準備するまで数時間かかることがあります（READY
      になるまで配信は待ちます）。作成できるのは日本・タイ・台湾の公式アカウントのみです。
    </p>
    <table id="audiences">
      <thead>
        <tr>
          <th>ID</th>
          <th>名前</th>
          <th>種類</th>
          <th>状態</th>
          <th>人数</th>
          <th>作成元</th>
          <th>期限</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${options.audiences.map(
          (a) =>
            html`<tr data-audience="${a.audienceGroupId}" data-origin="${a.origin}">
              <td><code>${a.audienceGroupId}</code></td>
              <td>${a.description}</td>
              <td><code>${a.type}</code></td>
              <td><code>${a.status}</code></td>
              <td>${a.audienceCount}</td>
              <td>${ORIGIN_LABELS[a.origin]} <code>${a.origin}</code></td>
              <td>${a.expiresAt ?? '-'}</td>
              <td>
                ${
                  a.origin === 'line-groups'
                    ? html`<form
                        class="inline"
                        method="post"
                        action="/audiences/${a.audienceGroupId}/refresh"
                      >
                        <button>新しいメンバーを追加</button>
                      </form>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>トークのメンバーからオーディエンスを作る</h2>
    <form method="post" action="/audiences" id="create-audience">
      <label
        >名前（120 文字まで） <input name="name" value="${f.name ?? ''}" required maxlength="120"
      /></label>
      <label
        >グループ ID（カンマ区切り） <code>--groups</code>
        <input name="groups" value="${f.groups ?? ''}" placeholder="C…,C…"
      /></label>
      <label
        >または 友だち率がこれ未満のトーク（0〜1） <code>--below-reach</code>
        <input name="belowReach" value="${f.belowReach ?? ''}" inputmode="decimal"
      /></label>
      <label
        ><input type="checkbox" name="friendsOnly" value="1" ${f.friendsOnly ? 'checked' : ''} /> 友だちのみ
        <code>--friends-only</code></label
      >
      <button>アップロードして作成</button>
    </form>
  `;
}

/** The narrowcast part of `/campaigns`: the form, the estimate's rule, and the narrowcasts so far. */
export function narrowcastSection(options: {
  audiences: AudienceRow[];
  coupons: Coupon[];
  narrowcasts: NarrowcastCampaign[];
  remainingQuota?: number;
}) {
  const usable = options.audiences.filter((a) => a.status === 'READY' || a.status === 'IN_PROGRESS');
  return html`<section id="narrowcast">
    <h2>オーディエンスへ 1 対 1 で配信（ナローキャスト）</h2>
    <p class="note">
      LINE は送信前にオーディエンス全員分の通数を今月の上限から確保します（今月の残り:
      ${options.remainingQuota === undefined ? '上限なし' : options.remainingQuota}）。残り通数の範囲で送ります
      <code>upToRemainingQuota</code>。準備中のオーディエンスは READY になるまで待ちます。
    </p>
    <form method="post" action="/campaigns/narrowcast">
      <label
        >オーディエンス
        <select name="audienceGroupId" required>
          ${usable.map(
            (a) =>
              html`<option value="${a.audienceGroupId}">
                ${a.description} (${a.type}, ${a.status}, ${a.audienceCount} 人, ${a.audienceGroupId})
              </option>`,
          )}
        </select>
      </label>
      <label
        >クーポン
        <select name="couponId" required>
          ${options.coupons
            .filter((c) => c.status !== 'CLOSED')
            .map((c) => html`<option value="${c.couponId}">${c.title} (${c.couponId})</option>`)}
        </select>
      </label>
      <button>ナローキャストを開始</button>
    </form>
    <table>
      <tbody>
        ${options.narrowcasts.map(
          (n) =>
            html`<tr data-narrowcast="${n.campaignId}">
              <td><a href="/narrowcasts/${encodeURIComponent(n.campaignId)}">${n.campaignId}</a></td>
              <td><code>${n.audienceGroupId}</code></td>
              <td><code>${n.status}</code></td>
              <td>${n.createdAt}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** One narrowcast's state, swapped in every second by htmx until LINE says succeeded or failed. */
export function narrowcastProgress(campaignId: string, c: NarrowcastCampaign | undefined) {
  const live = !c || !isFinished(c.status);
  return html`<section
    id="progress"
    ${live ? html`hx-get="/narrowcasts/${encodeURIComponent(campaignId)}/progress" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}
  >
    <p>状態 <code id="narrowcast-status">${c?.status ?? '-'}</code></p>
    <p>
      オーディエンス <code>${c?.audienceGroupId ?? '-'}</code> / requestId
      <code id="request-id">${c?.requestId ?? '-'}</code>
    </p>
    <p>
      <span class="card" data-count="targetCount">対象 <strong>${c?.targetCount ?? '-'}</strong></span>
      <span class="card" data-count="successCount">成功 <strong>${c?.successCount ?? '-'}</strong></span>
      <span class="card" data-count="failureCount">失敗 <strong>${c?.failureCount ?? '-'}</strong></span>
    </p>
    ${c?.reason ? html`<p class="${c.status === 'failed' ? 'error' : 'note'}">${c.reason}</p>` : ''}
  </section>`;
}
