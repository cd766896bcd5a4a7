import type { MiddlewareHandler } from 'hono';

/**
 * A local server that can push coupons to every group must only answer its own pages:
 * - the Host header must be 127.0.0.1 or localhost with our port (a DNS-rebinding page gets 421);
 * - a POST must come from our own origin (another site's form or script gets 403).
 */
export function localOnly(port: number): MiddlewareHandler {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  return async (c, next) => {
    if (!hosts.has(c.req.header('host') ?? '')) return c.text('unknown host', 421);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !origins.has(c.req.header('origin') ?? '')) {
      return c.text('cross-origin request refused', 403);
    }
    await next();
  };
}
