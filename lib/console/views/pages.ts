import { html } from 'hono/html';
import type { MemberRow, ReachRow } from '../../../lambda/app/members/queries';
import type { Overview } from '../../../lambda/app/overview';
import type { GroupEventRecord } from '../../../lambda/app/ports';
import type { Campaign, CampaignSummary } from '../../../lambda/domain/campaign';
import type { Coupon } from '../../../lambda/domain/coupons';
import type { Group, GroupStatus } from '../../../lambda/domain/group';
import type { Message } from '../../../lambda/domain/messages';
import { DECISION_LABELS, DELIVERY_LABELS, REASON_LABELS, STATUS_LABELS } from '../labels';
import { fieldOfProperty, type TemplateFields } from '../template-form';
import { dailyChart } from './chart';
import { flexMessage } from './flex';
import { labelled } from './layout';
import { membersSection, percent, reachCard, reachCell } from './people';

const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');
const notice = (message?: { ok?: string; error?: string }) =>
  message?.error
    ? html`<p class="error" role="alert">${message.error}</p>`
    : message?.ok
      ? html`<p class="ok" role="status">${message.ok}</p>`
      : '';

/** A chat as a table row shows it: the registry's item, and its reach when known. */
type GroupRow = Group & { reach?: ReachRow };

export function overviewPage(
  view: Overview,
  reach?: { chats: number; below50: number; reach: number | null },
) {
  return html`
    <section class="cards">
      ${(['active', 'left', 'ejected'] as GroupStatus[]).map(
        (s) =>
          html`<a class="card" href="/groups?status=${s}" data-status="${s}">
            <div>${labelled(STATUS_LABELS, s)}</div>
            <div class="n">${view.counts[s].toLocaleString('ja-JP')}</div>
          </a>`,
      )}
    </section>
    ${reach ? reachCard(reach) : ''}
    <h2>日ごとの参加・退出・追い出し</h2>
    ${dailyChart(view.days)}
    <h2>最近の追い出し</h2>
    ${groupTable(view.latestEjections, ['groupName', 'statusChangedAt', 'leaveReason'])}
    <h2>実行中のキャンペーン</h2>
    ${
      view.runningCampaigns.length === 0
        ? html`<p>ありません</p>`
        : html`<ul>
            ${view.runningCampaigns.map((c) => html`<li><a href="/campaigns/${encodeURIComponent(c.campaignId)}">${c.campaignId}</a> <code>${c.status}</code></li>`)}
          </ul>`
    }
  `;
}

function groupTable(
  groups: GroupRow[],
  columns: (
    'groupName' | 'statusChangedAt' | 'leaveReason' | 'memberCount' | 'status' | 'lastActivityAt' | 'reach'
  )[],
) {
  if (groups.length === 0) return html`<p>ありません</p>`;
  const head: Record<string, string> = {
    groupName: 'グループ名',
    statusChangedAt: '状態が変わった時刻 (UTC)',
    leaveReason: '理由',
    memberCount: '人数',
    status: '状態',
    lastActivityAt: '最後の発言など (UTC)',
    reach: '届く範囲 友だち/人数',
  };
  return html`<table>
    <thead>
      <tr>
        ${columns.map((c) => html`<th>${head[c]}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${groups.map(
        (g) =>
          html`<tr data-group="${g.groupId}">
            ${columns.map((c) => {
              switch (c) {
                case 'groupName':
                  return html`<td>
                    <a href="/groups/${encodeURIComponent(g.groupId)}">${g.groupName ?? g.groupId}</a>
                  </td>`;
                case 'statusChangedAt':
                  return html`<td>${when(g.statusChangedAt)}</td>`;
                case 'leaveReason':
                  return html`<td>${labelled(REASON_LABELS, g.leaveReason)}</td>`;
                case 'memberCount':
                  return html`<td>${g.memberCount ?? '-'}</td>`;
                case 'status':
                  return html`<td>${labelled(STATUS_LABELS, g.status)}</td>`;
                case 'lastActivityAt':
                  return html`<td data-column="lastActivityAt">${when(g.lastActivityAt)}</td>`;
                case 'reach':
                  return reachCell(g.reach);
              }
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function groupsPage(options: {
  status: GroupStatus;
  q: string;
  groups: GroupRow[];
  cursor?: string;
  /** Listing active chats below this reach (percent), lowest first, instead of by status. */
  below?: number;
  error?: string;
}) {
  const next = new URLSearchParams({
    status: options.status,
    ...(options.q && { q: options.q }),
    ...(options.cursor && { cursor: options.cursor }),
  });
  return html`
    <form method="get" action="/groups">
      <select name="status" aria-label="状態">
        ${(['active', 'left', 'ejected'] as GroupStatus[]).map(
          (s) =>
            html`<option value="${s}" ${s === options.status ? html`selected` : ''}>
              ${STATUS_LABELS[s]} (${s})
            </option>`,
        )}
      </select>
      <input name="q" value="${options.q}" placeholder="グループ名で検索" aria-label="グループ名" />
      <button>表示</button>
    </form>
    <form method="get" action="/groups" id="reach-filter">
      <label
        >届く範囲が
        <input
          name="below"
          value="${options.below ?? ''}"
          inputmode="numeric"
          size="4"
          aria-label="届く範囲の上限 (%)"
        />
        % 未満の参加中グループ（低い順）</label
      >
      <button>絞り込む</button>
    </form>
    ${notice(options.error ? { error: options.error } : undefined)}
    ${groupTable(options.groups, [
      'groupName',
      'status',
      'leaveReason',
      'memberCount',
      'reach',
      'statusChangedAt',
      'lastActivityAt',
    ])}
    ${options.cursor ? html`<p><a id="next" href="/groups?${next.toString()}">次へ</a></p>` : ''}
  `;
}

export function groupPage(
  group: GroupRow,
  events: GroupEventRecord[],
  message?: { ok?: string; error?: string },
  members: MemberRow[] = [],
  /** Sections of other capabilities (attendance's switch), after the chat's facts. */
  more: unknown = '',
) {
  const rows: [string, unknown][] = [
    ['状態 status', labelled(STATUS_LABELS, group.status)],
    ['理由 leaveReason', labelled(REASON_LABELS, group.leaveReason)],
    ['グループ名 groupName', group.groupName ?? '-'],
    ['人数 memberCount', group.memberCount ?? '-'],
    ['種類 chatType', group.chatType],
    ['状態が変わった時刻 statusChangedAt', when(group.statusChangedAt)],
    ['参加 joinedAt', when(group.joinedAt)],
    ['退出 leftAt', when(group.leftAt)],
    ['最後の発言など lastActivityAt', when(group.lastActivityAt)],
    ['参加回数 joinCount', group.joinCount],
    [
      '届く範囲 reach（友だち/人数）',
      group.reach
        ? `${group.reach.friends}/${group.reach.memberCount ?? '?'} (${percent(group.reach.reach)})`
        : '-',
    ],
  ];
  return html`
    ${notice(message)}
    <p><code>${group.groupId}</code></p>
    <table>
      <tbody>
        ${rows.map(
          ([k, v]) =>
            html`<tr>
              <th>${k}</th>
              <td>${v}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${more} ${membersSection(members)}
    <h2>出来事と判断（なぜこの状態か）</h2>
    <table>
      <thead>
        <tr>
          <th>時刻 (UTC)</th>
          <th>イベント</th>
          <th>判断 decision</th>
          <th>直後の状態</th>
          <th>返信</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${when(e.eventAt)}</td>
              <td>
                <code>${e.eventType}</code
                >${e.mode === 'standby' ? html` <code>standby</code>` : ''}${e.isRedelivery ? html` <code>redelivery</code>` : ''}
              </td>
              <td>${labelled(DECISION_LABELS, e.decision)}</td>
              <td>
                ${labelled(STATUS_LABELS, e.status)}
                ${e.leaveReason ? labelled(REASON_LABELS, e.leaveReason) : ''}
              </td>
              <td>${e.reply ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      group.status === 'active'
        ? html`<h2>退出させる</h2>
            <form
              method="post"
              action="/groups/${encodeURIComponent(group.groupId)}/leave"
              data-confirm="このグループから公式アカウントを退出させます。よろしいですか？"
            >
              <label
                ><input type="checkbox" name="confirm" value="yes" required />
                このグループから退出させることを確認しました</label
              >
              <button class="danger">退出させる</button>
            </form>`
        : ''
    }
  `;
}

export function couponsPage(options: {
  coupons: Coupon[];
  groupCouponId?: string;
  message?: { ok?: string; error?: string };
}) {
  return html`
    ${notice(options.message)}
    <p>
      グループクーポン:
      ${options.groupCouponId ? html`<code id="group-coupon">${options.groupCouponId}</code>` : html`<span id="group-coupon">なし</span>`}
    </p>
    <table>
      <thead>
        <tr>
          <th>クーポン</th>
          <th>期間 (UTC)</th>
          <th>状態</th>
          <th>キーワード</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${options.coupons.map(
          (c) =>
            html`<tr data-coupon="${c.couponId}">
              <td>${c.title} <code>${c.couponId}</code></td>
              <td>${when(c.startsAt)} 〜 ${when(c.endsAt)}</td>
              <td><code>${c.status}</code></td>
              <td>${c.keyword ?? ''}</td>
              <td>
                <form method="post" action="/coupons/group-coupon" class="inline">
                  <input type="hidden" name="couponId" value="${c.couponId}" /><button>
                    グループクーポンにする
                  </button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="/coupons/group-coupon">
      <input type="hidden" name="couponId" value="" /><button>グループクーポンを解除</button>
    </form>
    <h2>クーポンを作る</h2>
    <form method="post" action="/coupons">
      <label>タイトル <input name="title" required maxlength="60" /></label>
      <label>割引率（%） <input name="percentage" type="number" min="1" max="99" value="10" /></label>
      <label>有効日数 <input name="days" type="number" min="1" max="365" value="30" /></label>
      <label>キーワード（任意） <input name="keyword" /></label>
      <button>作成</button>
    </form>
    <h2>LINE Official Account Manager で作ったクーポンを使う</h2>
    <form method="post" action="/coupons/group-coupon" id="oa-manager">
      <label>クーポンID <input name="couponId" required /></label>
      <button>取得してグループクーポンにする</button>
      <button formaction="/coupons/register">登録だけする</button>
    </form>
    <p><a href="/templates">ボットの文言（テンプレート）を編集</a></p>
  `;
}

/** One message as LINE shows it in the chat: a text bubble, a coupon, a Flex card. */
function chatMessage(m: Message, coupons: Map<string, Coupon>) {
  switch (m.type) {
    case 'text':
      return html`<div class="bubble">${String(m.text ?? '')}</div>`;
    case 'coupon': {
      const coupon = coupons.get(String(m.couponId));
      return html`<div class="coupon-card" data-coupon="${String(m.couponId)}">
        <div class="band">クーポン</div>
        <div class="title">${coupon?.title ?? String(m.couponId)}</div>
      </div>`;
    }
    case 'flex':
      return html`<div class="flex-message" data-alt-text="${String(m.altText ?? '')}">
        ${flexMessage(m)}
      </div>`;
    default:
      return html`<div class="bubble card">[${m.type}]</div>`;
  }
}

export interface TemplatesPreview {
  /** The templates previewed are the ones just submitted, or (they broke a rule) the saved ones. */
  of: 'submitted' | 'saved';
  join: Message[];
  /** The answer to a keyword, while a group coupon is set. */
  keyword?: Message[];
  /** Undefined when the operator turned the member welcome off. */
  memberWelcome?: Message;
  coupons: Map<string, Coupon>;
}

export function templatesPage(options: {
  fields: TemplateFields;
  json: string;
  errors: { property: string; message: string }[];
  /** Which form the errors came from: the JSON box opens when it was that one. */
  from: 'fields' | 'json';
  preview: TemplatesPreview;
  saved?: boolean;
}) {
  const { fields, errors, preview } = options;
  const errorsOf = (field: string) => errors.filter((e) => fieldOfProperty(e.property) === field);
  const invalid = (field: string) =>
    errorsOf(field).length > 0 ? html`aria-invalid="true" aria-describedby="error-${field}"` : '';
  const fieldError = (field: string) =>
    errorsOf(field).length > 0
      ? html`<p class="field-error" id="error-${field}">
          ${errorsOf(field).map((e) => html`${e.message} `)}
        </p>`
      : '';
  const p = preview;
  return html`
    ${options.saved ? html`<p class="ok" role="status">保存しました</p>` : ''}
    ${
      errors.length > 0
        ? html`<div class="error" role="alert">
            <p>LINE のルールに合わない項目があります（保存していません）:</p>
            <ul>
              ${errors.map((e) => html`<li data-field="${e.property}"><code>${e.property}</code>: ${e.message}</li>`)}
            </ul>
          </div>`
        : ''
    }
    <div class="templates">
      <div>
        <form method="post" action="/templates" id="template-fields">
          <fieldset>
            <legend>グループに参加したとき</legend>
            <label for="welcomeText">あいさつ <code>welcomeText</code></label>
            <textarea id="welcomeText" name="welcomeText" rows="3" ${invalid('welcomeText')}>
${fields.welcomeText}</textarea>
            ${fieldError('welcomeText')}
            <label for="couponHint"
              >クーポンの案内（グループクーポンがあるときだけ、あいさつに続けます）
              <code>couponHint</code></label
            >
            <textarea id="couponHint" name="couponHint" rows="2" ${invalid('couponHint')}>
${fields.couponHint}</textarea>
            ${fieldError('couponHint')}
          </fieldset>
          <fieldset>
            <legend>友だち追加カード <code>friendCard</code></legend>
            ${
              fields.card
                ? html`<label for="cardTitle">タイトル</label>
                    <input id="cardTitle" name="cardTitle" value="${fields.card.title}" ${invalid('card')} />
                    <label for="cardText">本文</label>
                    <textarea id="cardText" name="cardText" rows="2" ${invalid('card')}>
${fields.card.text}</textarea>
                    <label for="cardButton">ボタンの文字</label>
                    <input
                      id="cardButton"
                      name="cardButton"
                      value="${fields.card.button}"
                      ${invalid('card')}
                    />`
                : html`<p class="note">このカードは既定とは形が違うため、下の JSON で編集してください。</p>`
            }
            ${fieldError('card')}
            <label for="addFriendUrl">友だち追加のリンク（ボタンの行き先） <code>addFriendUrl</code></label>
            <input
              id="addFriendUrl"
              name="addFriendUrl"
              type="url"
              value="${fields.addFriendUrl}"
              ${invalid('addFriendUrl')}
            />
            ${fieldError('addFriendUrl')}
          </fieldset>
          <fieldset>
            <legend>キーワードでクーポン</legend>
            <label for="keywords">キーワード（「,」か「、」で区切る） <code>keywords</code></label>
            <input id="keywords" name="keywords" value="${fields.keywords}" ${invalid('keywords')} />
            ${fieldError('keywords')}
            <label for="keywordCooldownSeconds"
              >同じグループに返すのは何秒に1回まで <code>keywordCooldownSeconds</code></label
            >
            <input
              id="keywordCooldownSeconds"
              name="keywordCooldownSeconds"
              inputmode="numeric"
              value="${fields.keywordCooldownSeconds}"
              ${invalid('keywordCooldownSeconds')}
            />
            ${fieldError('keywordCooldownSeconds')}
            <label
              ><input
                type="checkbox"
                name="keywordsNeedMention"
                ${fields.keywordsNeedMention ? html`checked` : ''}
              />
              OA への @メンション付きのときだけキーワードに答える（返信は聞いた人へのメンション付き）
              <code>keywordsNeedMention</code></label
            >
            ${fieldError('keywordsNeedMention')}
            <label for="couponText">クーポンに添える文（空なら添えません） <code>couponText</code></label>
            <textarea id="couponText" name="couponText" rows="2" ${invalid('couponText')}>
${fields.couponText}</textarea>
            ${fieldError('couponText')}
          </fieldset>
          <fieldset>
            <legend>あとから参加したメンバー</legend>
            <label
              ><input type="checkbox" name="memberWelcome" ${fields.memberWelcome ? html`checked` : ''} />
              歓迎のカードを送る <code>memberWelcome</code></label
            >
            ${fieldError('memberWelcome')}
          </fieldset>
          <button>確認して保存</button>
        </form>
        <details id="template-json" ${options.from === 'json' && errors.length > 0 ? html`open` : ''}>
          <summary>JSON で編集（上級者向け。書かない項目は既定値のまま）</summary>
          <form method="post" action="/templates/json">
            <textarea name="overrides" spellcheck="false" aria-label="変更する項目（JSON）">
${options.json}</textarea>
            <button>JSON を確認して保存</button>
          </form>
        </details>
      </div>
      <section id="preview" aria-label="プレビュー">
        <h2>プレビュー${p.of === 'saved' ? html`（保存されている文言）` : ''}</h2>
        <h3>参加したとき</h3>
        <div class="chat" id="preview-join">${p.join.map((m) => chatMessage(m, p.coupons))}</div>
        ${
          p.keyword
            ? html`<h3>キーワードが送られたとき</h3>
                <div class="chat" id="preview-keyword">
                  ${p.keyword.map((m) => chatMessage(m, p.coupons))}
                </div>`
            : ''
        }
        <h3>メンバーが参加したとき</h3>
        ${
          p.memberWelcome
            ? html`<div class="chat" id="preview-member">${chatMessage(p.memberWelcome, p.coupons)}</div>`
            : html`<p id="preview-member">送りません（オフ）</p>`
        }
      </section>
    </div>
  `;
}

/** A campaign's status in the operator's words, beside the stored value. */
const CAMPAIGN_STATUS_LABELS: Record<string, string> = {
  planned: '準備中',
  sending: '送信中',
  paused_quota: '今月の上限で停止中',
  done: '完了',
};

export function campaignsPage(options: {
  campaigns: Campaign[];
  coupons: Coupon[];
  /** With what the operator typed, when the form comes back with an error. */
  estimate?: {
    couponId: string;
    groups: number;
    cost: number;
    remainingQuota?: number;
    rate?: string;
    concurrency?: string;
    /** The friend-add card to the active chats below this reach (percent), instead of all. */
    below?: number;
  };
  message?: { ok?: string; error?: string };
  /** Narrowcasts to audiences (lib/console/views/audiences.ts). */
  narrowcast?: unknown;
}) {
  const e = options.estimate;
  return html`
    ${notice(options.message)}
    ${
      e
        ? html`<section class="card" id="estimate">
            <p>
              ${e.below === undefined ? '' : html`友だち追加カードを、届く範囲が <strong>${e.below}%</strong> 未満の`}
              ${html`参加中の <strong>${e.groups}</strong> グループへ送ります。`}グループへのプッシュはメンバー
              1 人につき 1 通と数えられるので、LINE が数える通数はおよそ <strong>${e.cost}</strong> 通
              （今月の残り: ${e.remainingQuota === undefined ? '上限なし' : e.remainingQuota}）。
            </p>
            ${e.remainingQuota !== undefined && e.cost > e.remainingQuota ? html`<p class="error">今月の残り通数が足りません。</p>` : ''}
            <form method="post" action="/campaigns">
              <input type="hidden" name="couponId" value="${e.couponId}" />
              ${e.below === undefined ? '' : html`<input type="hidden" name="target" value="friendCard" /><input type="hidden" name="below" value="${e.below}" />`}
              <label
                >送信速度（1 秒あたりの通数、2000 まで） <code>rate</code>
                <input name="rate" value="${e.rate ?? '1000'}" inputmode="decimal" required
              /></label>
              <label
                >同時に送る数（1〜256） <code>concurrency</code>
                <input name="concurrency" value="${e.concurrency ?? '16'}" inputmode="numeric" required
              /></label>
              <button>送信を開始</button>
            </form>
          </section>`
        : html`<form method="post" action="/campaigns/estimate">
              <label
                >クーポン
                <select name="couponId" required>
                  ${options.coupons.filter((c) => c.status !== 'CLOSED').map((c) => html`<option value="${c.couponId}">${c.title} (${c.couponId})</option>`)}
                </select>
              </label>
              <button>通数を見積もる</button>
            </form>
            <h2>友だち追加カードを届く範囲の低いグループへ</h2>
            <form method="post" action="/campaigns/estimate" id="friend-card">
              <input type="hidden" name="target" value="friendCard" />
              <input type="hidden" name="couponId" value="" />
              <label
                >届く範囲が
                <input
                  name="below"
                  value="50"
                  inputmode="numeric"
                  size="4"
                  aria-label="届く範囲の上限 (%)"
                  required
                />
                % 未満のグループ（一斉配信は友だちにしか届きません）</label
              >
              <button>通数を見積もる</button>
            </form>`
    }
    ${options.narrowcast ?? ''}
    <h2>これまでのキャンペーン</h2>
    <table>
      <thead>
        <tr>
          <th>キャンペーン</th>
          <th>クーポン</th>
          <th>状態</th>
          <th>作成 (UTC)</th>
        </tr>
      </thead>
      <tbody>
        ${options.campaigns.map(
          (c) =>
            html`<tr data-campaign="${c.campaignId}">
              <td><a href="/campaigns/${encodeURIComponent(c.campaignId)}">${c.campaignId}</a></td>
              <td>
                <code>${c.couponId ?? '-'}</code
                >${c.belowReach === undefined ? '' : html` 友だち追加カード（届く範囲 ${Math.round(c.belowReach * 100)}% 未満）`}
              </td>
              <td>${labelled(CAMPAIGN_STATUS_LABELS, c.status)}</td>
              <td>${when(c.createdAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

/** A campaign's page: a notice (a refused resume), then its progress. */
export const campaignPage = (
  progress: ReturnType<typeof campaignProgress>,
  message?: { ok?: string; error?: string },
) => html`${notice(message)}${progress}`;

export function campaignProgress(
  campaign: Campaign | undefined,
  campaignId: string,
  summary: CampaignSummary,
  quota: { remainingQuota?: number } = {},
) {
  const planned = campaign?.plannedGroups;
  // Followed while it runs (or before the planner on AWS has written it); a pause waits for the operator.
  const live = !campaign || campaign.status === 'planned' || campaign.status === 'sending';
  return html`<section
    id="progress"
    ${live ? html`hx-get="/campaigns/${encodeURIComponent(campaignId)}/progress" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}
  >
    <p id="campaign-status">状態 ${labelled(CAMPAIGN_STATUS_LABELS, campaign?.status)}</p>
    ${
      campaign?.status === 'paused_quota'
        ? html`<div class="error" id="paused">
            <p>LINE の今月の送信上限に達したため、送信を止めています（理由: ${campaign.reason ?? '-'}）。</p>
            <p>
              今月の残り通数:
              <strong id="remaining-quota"
                >${quota.remainingQuota === undefined ? '上限なし' : quota.remainingQuota}</strong
              >。プランを変更するか翌月になってから再開してください（送信済みのグループには送りません）。
            </p>
            <form method="post" action="/campaigns/${encodeURIComponent(campaignId)}/resume">
              <button>再開する</button>
            </form>
          </div>`
        : ''
    }
    <p>
      ${(['sent', 'skipped', 'failed', 'pending'] as const).map(
        (k) =>
          html`<span class="card" data-count="${k}"
            >${labelled(DELIVERY_LABELS, k)} <strong>${summary[k]}</strong></span
          > `,
      )}${planned !== undefined ? html` / 予定 ${planned}` : ''}
    </p>
    ${
      Object.keys(summary.reasons).length > 0
        ? html`<ul>
            ${Object.entries(summary.reasons).map(([reason, n]) => html`<li>${n} × ${reason}</li>`)}
          </ul>`
        : ''
    }
  </section>`;
}
