import { html } from 'hono/html';
import type { AttendanceSettings } from '../../../lambda/app/attendance/ports';
import type { DayFlag, MonthReport } from '../../../lambda/domain/attendance/shifts';

const notice = (message?: { ok?: string; error?: string }) =>
  message?.error
    ? html`<p class="error" role="alert">${message.error}</p>`
    : message?.ok
      ? html`<p class="ok" role="status">${message.ok}</p>`
      : '';

const FLAG_LABELS: Record<DayFlag, string> = {
  open: '退勤なし',
  working: '勤務中',
  noIn: '出勤なし',
  corrected: '修正あり',
  inconsistent: '要確認',
};

const minutes = (m: number | null) =>
  m === null ? '-' : `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;

/** The switch on the group page: attendance is off in every chat until an operator turns it on. */
export function attendanceSwitch(groupId: string, settings: AttendanceSettings | undefined) {
  const on = settings?.enabled === true;
  return html`<section id="attendance">
    <h2>勤怠 attendance</h2>
    <p data-attendance="${on ? 'on' : 'off'}">
      ${
        on
          ? html`オン（${settings.timeZone}、1日の始まり ${settings.dayStarts}）
              <a href="/attendance/${groupId}">月次の記録</a>`
          : 'オフ：このチャットでは「出勤」などに反応しません'
      }
    </p>
    ${settingsForm(groupId, settings)}
  </section>`;
}

function settingsForm(groupId: string, settings: AttendanceSettings | undefined) {
  const on = settings?.enabled === true;
  return html`<form method="post" action="/attendance/${groupId}/settings" class="attendance-settings">
    <input type="hidden" name="enabled" value="${on ? 'off' : 'on'}" />
    ${
      on
        ? ''
        : html`<label
              >タイムゾーン time zone
              <input name="timeZone" value="${settings?.timeZone ?? 'Asia/Tokyo'}" required
            /></label>
            <label
              >1日の始まり day starts
              <input
                name="dayStarts"
                value="${settings?.dayStarts ?? '05:00'}"
                pattern="[0-2][0-9]:[0-5][0-9]"
                required
            /></label>`
    }
    <button type="submit" class="${on ? 'danger' : ''}">
      ${on ? '勤怠をオフにする' : '勤怠をオンにする'}
    </button>
  </form>`;
}

/** `/attendance/<groupId>?month=`: every member's days, corrections to decide, the CSV. */
export function attendancePage(
  groupId: string,
  month: string,
  settings: AttendanceSettings | undefined,
  report: MonthReport | undefined,
  message?: { ok?: string; error?: string },
) {
  return html`
    ${notice(message)}
    <p>
      <a href="/groups/${groupId}"><code>${groupId}</code></a>
    </p>
    ${attendanceSwitch(groupId, settings)}
    <form method="get" action="/attendance/${groupId}">
      <label>月 month <input type="month" name="month" value="${month}" /></label>
      <button type="submit">表示</button>
      <a href="/attendance/${groupId}/csv?month=${month}" download id="csv">CSV をダウンロード</a>
    </form>
    ${
      report
        ? report.members.length === 0
          ? html`<p class="note">${month} の記録はありません</p>`
          : report.members.map(
              (m) =>
                html`<h2 data-member="${m.userId}">
                    ${m.displayName ?? m.userId}
                    <small>${m.daysWorked} 日 / ${minutes(m.totalWorkedMinutes)}</small>
                  </h2>
                  <table class="attendance">
                    <thead>
                      <tr>
                        <th>日 date</th>
                        <th>出勤 in</th>
                        <th>退勤 out</th>
                        <th>休憩 break</th>
                        <th>勤務 worked</th>
                        <th>注記 flags</th>
                        <th>修正 corrections</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${m.days.map(
                        (d) =>
                          html`<tr data-date="${d.date}" data-member="${m.userId}">
                            <td>${d.date}</td>
                            <td>
                              ${d.in ?? '-'}${d.recorded && d.recorded.in !== d.in ? html`<br /><s>${d.recorded.in ?? '-'}</s>` : ''}
                            </td>
                            <td>
                              ${d.out ?? '-'}${d.recorded && d.recorded.out !== d.out ? html`<br /><s>${d.recorded.out ?? '-'}</s>` : ''}
                            </td>
                            <td>${d.breakMinutes}</td>
                            <td data-worked="${d.workedMinutes ?? ''}">${minutes(d.workedMinutes)}</td>
                            <td>${d.flags.map((f) => html`<code title="${FLAG_LABELS[f]}">${f}</code> `)}</td>
                            <td>
                              ${(d.corrections ?? []).map(
                                (c) =>
                                  html`<div data-correction="${c.correctionId}">
                                    ${c.punch === 'in' ? '出勤' : '退勤'}
                                    ${c.time}（${c.requestedBy}、${c.requestedAt.slice(0, 16).replace('T', ' ')}
                                    UTC）
                                    <code>${c.status}</code>${c.decidedBy ? html` ${c.decidedBy}` : ''}
                                    ${
                                      c.status === 'pending'
                                        ? html`<form
                                            method="post"
                                            action="/attendance/${groupId}/corrections/${c.correctionId}"
                                            class="inline"
                                          >
                                            <input type="hidden" name="month" value="${month}" />
                                            <button name="decision" value="approved">承認</button>
                                            <button name="decision" value="rejected" class="danger">
                                              却下
                                            </button>
                                          </form>`
                                        : ''
                                    }
                                  </div>`,
                              )}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`,
            )
        : ''
    }
  `;
}
