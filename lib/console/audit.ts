import type { Hono, MiddlewareHandler } from 'hono';
import { audit, type AuditLog, listAudit } from '../../lambda/app/audit/audit-log';
import type { ConsoleEnv } from './auth/context';
import { auditPage } from './views/audit';
import { layout } from './views/layout';

/** POSTs that change nothing (an estimate) or only the person's own session. */
const NOT_CHANGES = new Set(['/campaigns/estimate', '/auth/logout']);

/** What a POST to a path is called in the trail, and what it changed, when the route does not say. */
function describe(path: string, form: Record<string, unknown>): { action: string; target: string } {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [capability = 'console', id, verb] = segments;
  if (capability === 'groups' && verb === 'leave') return { action: 'groups.leave', target: `group:${id}` };
  if (capability === 'campaigns' && verb === 'resume')
    return { action: 'campaigns.resume', target: `campaign:${id}` };
  if (capability === 'campaigns' && !id) return { action: 'campaigns.send', target: 'campaign' };
  if (capability === 'coupons' && id === 'register')
    return { action: 'coupons.register', target: `coupon:${String(form.couponId)}` };
  if (capability === 'coupons' && id === 'group-coupon')
    return { action: 'coupons.set-group-coupon', target: 'settings:groupCoupon' };
  if (capability === 'coupons' && !id) return { action: 'coupons.create', target: 'coupon' };
  if (capability === 'templates') return { action: 'templates.set', target: 'settings:templates' };
  // A route added later is still recorded, under its path.
  const last = segments.length > 1 ? (segments.at(-1) ?? 'change') : 'change';
  return { action: `${capability}.${last}`.toLowerCase().replace(/[^a-z.-]/g, '-'), target: path };
}

/**
 * Every POST that succeeded (below 400: a refusal changed nothing) is recorded after its route
 * ran, as the signed-in person (or `console:local`), with what was submitted.
 */
export function auditChanges(log: AuditLog, now: () => Date): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== 'POST' || NOT_CHANGES.has(c.req.path) || c.res.status >= 400) return;
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const { action, target } = describe(c.req.path, form);
    const { confirm: _confirm, ...details } = form;
    await audit(log, c.get('auditor'), { action, target: c.get('changed') ?? target, details }, now());
  };
}

/** `/audit`: the trail for both roles; nothing on it changes it. */
export function auditRoutes(app: Hono<ConsoleEnv>, log: AuditLog, now: () => Date) {
  app.get('/audit', async (c) => {
    const asked = Number(c.req.query('days') ?? 7);
    const days = Number.isInteger(asked) && asked > 0 && asked <= 400 ? asked : 7;
    const at = now();
    const entries = await listAudit(log, { since: new Date(at.getTime() - days * 86_400_000), now: at });
    return c.html(layout('監査ログ', auditPage({ entries, days }), '/audit'));
  });
}
