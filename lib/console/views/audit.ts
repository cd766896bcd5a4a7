import { html } from 'hono/html';
import type { AuditEntry } from '../../../lambda/domain/audit';

const ROLE_LABELS: Record<string, string> = {
  viewer: '閲覧',
  operator: '運用',
  local: 'この端末',
  cli: 'CLI',
};

/** The audit trail, newest first; read only (there is no form on this page, for any role). */
export function auditPage(view: { entries: AuditEntry[]; days: number }) {
  return html`
    <p class="note">
      コンソールと CLI で行われた変更（直近 ${view.days}
      日、新しい順）。この記録はコンソールから変更できません。
    </p>
    <nav>${[1, 7, 30, 90].map((d) => html`<a href="/audit?days=${d}">${d} 日</a> `)}</nav>
    ${
      view.entries.length === 0
        ? html`<p>ありません</p>`
        : html`<table>
            <thead>
              <tr>
                <th>時刻 (UTC)</th>
                <th>誰が</th>
                <th>役割</th>
                <th>操作</th>
                <th>対象</th>
                <th>内容</th>
              </tr>
            </thead>
            <tbody>
              ${view.entries.map(
                (e) =>
                  html`<tr data-action="${e.action}">
                    <td>${e.at.replace('T', ' ').slice(0, 19)}</td>
                    <td data-column="actor">
                      ${e.actor.email ? html`${e.actor.email}<br />` : ''}<code>${e.actor.subject}</code>
                    </td>
                    <td>${ROLE_LABELS[e.role] ?? e.role} <code>${e.role}</code></td>
                    <td><code>${e.action}</code></td>
                    <td data-column="target">${e.target}</td>
                    <td>${Object.entries(e.details).map(([k, v]) => html`<code>${k}</code> ${v}<br />`)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
