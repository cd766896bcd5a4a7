import type { MiddlewareHandler } from 'hono';
import { localOnly } from '../security';
import type { ConsoleAuth } from './config';

/**
 * On every answer. No inline script may run (htmx and our one script come from our origin); a
 * form may only post here, or be sent on to the provider when signing out; no page can be framed.
 * Same-origin referrers only: a POST's Origin header stays what the Origin check expects.
 */
export function securityHeaders(auth: ConsoleAuth): MiddlewareHandler {
  // Signing out is a POST answered with a redirect to the provider: the CSP must let it through.
  const formTargets =
    auth.mode === 'oidc'
      ? [auth.issuer, auth.cognitoLogoutUrl].flatMap((u) => (u ? [` ${u.origin}`] : [])).join('')
      : '';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    // Flex previews and htmx's indicator styles set style attributes; no script can come through them.
    "style-src 'self' 'unsafe-inline'",
    // Coupon and Flex images are on LINE's (or the operator's) https servers.
    "img-src 'self' https: data:",
    "connect-src 'self'",
    `form-action 'self'${formTargets}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
  const https = auth.mode === 'oidc' && auth.publicUrl.protocol === 'https:';
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('Content-Security-Policy', csp);
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('X-Frame-Options', 'DENY');
    if (https) headers.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    // Pages show operator data: no shared cache keeps them.
    if (!c.req.path.startsWith('/assets/')) headers.set('Cache-Control', 'no-store');
  };
}

/**
 * The Host and Origin checks: on this machine's loopback address and port without sign-in (as
 * before); the public URL's host and origin with it (the console may then listen beyond loopback).
 */
export function sameOrigin(auth: ConsoleAuth, port: number): MiddlewareHandler {
  if (auth.mode === 'none') return localOnly(port);
  const host = auth.publicUrl.host;
  const origin = auth.publicUrl.origin;
  return async (c, next) => {
    if (c.req.header('host') !== host) return c.text('unknown host', 421);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.header('origin') !== origin)
      return c.text('cross-origin request refused', 403);
    await next();
  };
}
