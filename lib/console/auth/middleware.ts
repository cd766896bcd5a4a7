import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ConsoleAuth } from './config';
import type { ConsoleEnv } from './context';
import { dropSession, keepSession, PUBLIC_PATHS, SESSION_COOKIE } from './sign-in';
import { isLive, type Session, unseal } from './session';
import { forbiddenPage, whoIsSignedIn } from './views';

const isPublic = (path: string) => path.startsWith('/assets/') || PUBLIC_PATHS.includes(path);

/** Without sign-in (CONSOLE_AUTH=none): the person at this machine, who may change everything. */
export const LOCAL_AUDITOR = { actor: { subject: 'console:local' }, role: 'local' } as const;

/**
 * Who is there, before any route runs. With sign-in: no live session, to the sign-in (a tampered
 * or expired cookie is no session); no role, 403 on every page; a viewer's POST, 403 before the
 * route, so nothing changes. Every POST passes here: routes added later are covered too.
 */
export function requireSignIn(auth: ConsoleAuth, now: () => Date): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (auth.mode === 'none') {
      c.set('auditor', LOCAL_AUDITOR);
      return next();
    }
    if (isPublic(c.req.path)) return next();
    const at = now().getTime();
    const session = unseal<Session>(auth.sessionKey, SESSION_COOKIE, getCookie(c, SESSION_COOKIE));
    if (!session || !isLive(session, at)) {
      if (session || getCookie(c, SESSION_COOKIE) !== undefined) dropSession(c, auth);
      const back = c.req.method === 'GET' ? new URL(c.req.url).pathname + new URL(c.req.url).search : '/';
      return c.redirect(`/auth/login?return=${encodeURIComponent(back)}`, c.req.method === 'GET' ? 302 : 303);
    }
    const renewed = { ...session, seenAt: at };
    keepSession(c, auth, renewed);
    c.set('session', renewed);
    const signOut = c.req.method === 'POST' && c.req.path === '/auth/logout';
    if (!session.role && !signOut) return c.html(forbiddenPage('no-role', c.req.path), 403);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && session.role !== 'operator' && !signOut)
      return c.html(forbiddenPage('viewer', c.req.path), 403);
    c.set('auditor', {
      actor: { subject: session.subject, ...(session.email && { email: session.email }) },
      role: session.role ?? 'viewer',
    });
    await next();
    await fitPageToRole(c, renewed);
  };
}

// Forms are never nested, so a form ends at the first </form> after it.
const POST_FORM = /<form\b(?![^>]*\bdata-any-role\b)[^>]*\bmethod="post"[^>]*>[\s\S]*?<\/form>/gi;

/**
 * Every page says who is signed in; a viewer's pages leave out the forms that change things
 * (one place for every page, including pages added later; the POST is refused regardless).
 */
async function fitPageToRole(c: Parameters<MiddlewareHandler<ConsoleEnv>>[0], session: Session) {
  if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
  let page = await c.res.text();
  if (session.role !== 'operator') page = page.replace(POST_FORM, '');
  page = page.replace(
    '</header>',
    `<div class="session">${String(await whoIsSignedIn(session))}</div></header>`,
  );
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(page, { status: c.res.status, headers });
}
