import { html } from 'hono/html';
import { layout } from '../views/layout';
import type { Session } from './session';

const ROLE_LABELS = { viewer: '閲覧 viewer', operator: '運用 operator' } as const;

/** Shown on every page once signed in: who, with which role, and the way out. */
export const whoIsSignedIn = (session: Session) =>
  html`<span class="who" data-subject="${session.subject}"
      >${session.email ?? session.subject}${session.role ? html` · ${ROLE_LABELS[session.role]}` : ''}</span
    >
    <form method="post" action="/auth/logout" class="inline" data-any-role>
      <button>サインアウト</button>
    </form>`;

export const forbiddenPage = (reason: 'no-role' | 'viewer', path: string) =>
  layout(
    '権限がありません',
    reason === 'no-role'
      ? html`<p class="error" role="alert" data-forbidden="no-role">
          このアカウントには console の役割（viewer または
          operator）がありません。管理者に役割の付与を依頼してください。
        </p>`
      : html`<p class="error" role="alert" data-forbidden="viewer">
          閲覧（viewer）の役割では変更できません。変更は運用（operator）の役割が必要です。何も変更していません。
        </p>`,
    path,
  );

export const signedOutPage = () =>
  layout(
    'サインアウトしました',
    html`<p role="status" class="ok">サインアウトしました。</p>
      <p><a href="/auth/login">もう一度サインインする</a></p>`,
    '/auth/signed-out',
  );

export const signInFailedPage = (reason: string) =>
  layout(
    'サインインできませんでした',
    html`<p class="error" role="alert">${reason}</p>
      <p><a href="/auth/login">もう一度サインインする</a></p>`,
    '/auth/login',
  );
