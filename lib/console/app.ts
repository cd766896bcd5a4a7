import { Hono } from 'hono';
import { campaignStatus, estimateCampaign, QuotaExceededError } from '../../lambda/app/campaign/run-campaign';
import { leaveGroup } from '../../lambda/app/leave-group';
import {
  chatsByReach,
  listMembers,
  overallReach,
  reachRow,
  type ReachRow,
} from '../../lambda/app/members/queries';
import { createCoupon, registerCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import { registryOverview } from '../../lambda/app/overview';
import { InvalidTuningError, parseCampaignTuning } from '../../lambda/domain/campaign';
import type { GroupStatus } from '../../lambda/domain/group';
import { defaultLifecyclePolicy } from '../../lambda/domain/lifecycle';
import { type ErrorDetail, InvalidMessageError } from '../../lambda/domain/messages';
import { couponReplyMessages, welcomeMessages } from '../../lambda/domain/replies';
import { loadTemplates, renderMemberWelcome, type Templates } from '../../lambda/domain/templates';
import { campaignMessages, defaultCampaignId, friendCardSpec } from '../cli/campaign';
import { UsageError } from '../cli/usage-error';
import { withLastActivity } from '../cli/groups';
import { CONSOLE_JS, readHtmx } from './assets';
import { auditChanges, auditRoutes } from './audit';
import { type ConsoleAuth } from './auth/config';
import type { ConsoleEnv } from './auth/context';
import { securityHeaders, sameOrigin } from './auth/headers';
import { requireSignIn } from './auth/middleware';
import { signInRoutes } from './auth/sign-in';
import { registerAudienceRoutes } from './audiences';
import type { ConsoleDeps } from './deps';
import { attendanceRoutes } from './attendance-routes';
import { attendanceSwitch } from './views/attendance';
import { fieldsFromForm, fieldsOf, overridesFrom, type TemplateFields } from './template-form';
import { CSS, layout } from './views/layout';
import {
  campaignPage,
  campaignProgress,
  campaignsPage,
  couponsPage,
  groupPage,
  groupsPage,
  overviewPage,
  templatesPage,
} from './views/pages';

const STATUSES: GroupStatus[] = ['active', 'left', 'ejected'];
const HTMX = readHtmx();
const PAGE_SIZE = 50;
const REACH_PERCENT_RULE = '届く範囲は 0 より大きく 100 以下の % で指定してください';
/** A reach typed as a percent (the /groups filter, the friend-card campaign): above 0, at most 100. */
const reachPercent = (typed: string) => {
  const percent = Number(typed);
  return /^\d+(\.\d+)?$/.test(typed) && percent > 0 && percent <= 100 ? percent : undefined;
};
/** The overview's reach reads this many active chats by reach at most (one Query of the index). */
const OVERVIEW_REACH_CHATS = 10_000;

/**
 * The operators' console: thin pages over the same use cases as the CLIs (lambda/app), rendered
 * on the server with escaped output; htmx only follows a running campaign.
 */
export function createConsoleApp(
  deps: ConsoleDeps,
  port: number,
  auth: ConsoleAuth = { mode: 'none' },
): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use('*', securityHeaders(auth), sameOrigin(auth, port), requireSignIn(auth, deps.now));
  app.use('*', auditChanges(deps.audit, deps.now));
  if (auth.mode === 'oidc') signInRoutes(app, auth, deps.now);
  auditRoutes(app, deps.audit, deps.now);
  app.get('/assets/console.js', (c) =>
    c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/htmx.min.js', (c) =>
    c.body(HTMX, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/console.css', (c) => c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));

  const couponDeps = { line: deps.line, coupons: deps.coupons, settings: deps.settings, now: deps.now };
  const problem = (error: unknown) => ({ error: (error as Error).message });

  app.get('/', async (c) => {
    const view = await registryOverview(
      { stats: deps.stats, directory: deps.registry, campaigns: deps.campaigns },
      deps.now(),
    );
    const reach = overallReach(await chatsByReach({ limit: OVERVIEW_REACH_CHATS }, deps));
    return c.html(layout('概要', overviewPage(view, reach), '/'));
  });

  /** Each chat with its reach, when the members store has one. */
  const withReach = async <G extends { groupId: string }>(groups: G[]) => {
    const found = await Promise.all(groups.map((g) => deps.members.reach(g.groupId)));
    return groups.map((g, i) => {
      const stored = found[i];
      return stored ? { ...g, reach: reachRow(stored.reach) } : g;
    });
  };

  app.get('/groups', async (c) => {
    const below = c.req.query('below')?.trim();
    if (below) {
      // Active chats under a reach, lowest first, through the byReach index (no Scan).
      const share = reachPercent(below);
      if (share === undefined) {
        const page = groupsPage({ status: 'active', q: '', groups: [], error: REACH_PERCENT_RULE });
        return c.html(layout('グループ', page, '/groups'), 400);
      }
      const rows = await chatsByReach({ below: share / 100, limit: PAGE_SIZE }, deps);
      const found = new Map(
        (await deps.registry.loadMany(rows.map((r) => r.groupId))).map((s) => [s.group.groupId, s.group]),
      );
      const groups = rows.flatMap((r: ReachRow) => {
        const group = found.get(r.groupId);
        return group ? [{ ...group, reach: r }] : [];
      });
      return c.html(
        layout('グループ', groupsPage({ status: 'active', q: '', groups, below: share }), '/groups'),
      );
    }
    const requested = c.req.query('status') as GroupStatus | undefined;
    const status = requested && STATUSES.includes(requested) ? requested : 'active';
    const q = (c.req.query('q') ?? '').trim();
    const cursor = c.req.query('cursor');
    const page = await deps.registry.page(status, {
      limit: PAGE_SIZE,
      ...(q && { q }),
      ...(cursor && { cursor }),
    });
    const groups = await withReach(await withLastActivity(page.groups, deps.registry));
    return c.html(layout('グループ', groupsPage({ status, q, ...page, groups }), '/groups'));
  });

  const showGroup = async (groupId: string, message?: { ok?: string; error?: string }) => {
    const group = await deps.registry.get(groupId);
    if (!group) return undefined;
    const [events, members, [withItsReach], settings] = await Promise.all([
      deps.registry.recentEvents(groupId, 50),
      listMembers(groupId, deps),
      withReach([group]),
      deps.attendance.store.settings(groupId),
    ]);
    return layout(
      group.groupName ?? groupId,
      groupPage(withItsReach ?? group, events, message, members, attendanceSwitch(groupId, settings)),
      '/groups',
    );
  };
  app.get('/groups/:groupId', async (c) => {
    const page = await showGroup(c.req.param('groupId'));
    return page ? c.html(page) : c.html(layout('見つかりません', '', '/groups'), 404);
  });
  app.post('/groups/:groupId/leave', async (c) => {
    const groupId = c.req.param('groupId');
    const form = await c.req.parseBody();
    let message: { ok?: string; error?: string };
    if (form.confirm !== 'yes') message = { error: '確認のチェックがありません' };
    else {
      try {
        await leaveGroup(groupId, {
          registry: deps.registry,
          line: deps.line,
          policy: defaultLifecyclePolicy,
          now: deps.now,
        });
        message = { ok: 'LINE に退出を依頼しました。退出は left_by_operator として記録されます。' };
      } catch (error) {
        message = problem(error);
      }
    }
    const page = await showGroup(groupId, message);
    return page
      ? c.html(page, message.error ? 400 : 200)
      : c.html(layout('見つかりません', '', '/groups'), 404);
  });

  const showCoupons = async (message?: { ok?: string; error?: string }) => {
    const [coupons, groupCouponId] = await Promise.all([deps.coupons.list(), deps.settings.groupCouponId()]);
    return layout(
      'クーポン',
      couponsPage({ coupons, ...(groupCouponId && { groupCouponId }), ...(message && { message }) }),
      '/coupons',
    );
  };
  attendanceRoutes(app, deps.attendance);

  app.get('/coupons', async (c) => c.html(await showCoupons()));
  app.post('/coupons', async (c) => {
    const form = await c.req.parseBody();
    try {
      const now = deps.now();
      const coupon = await createCoupon(
        {
          title: String(form.title ?? ''),
          startsAt: now,
          endsAt: new Date(now.getTime() + Number(form.days ?? 30) * 86_400_000),
          reward: { type: 'discount', percentage: Number(form.percentage ?? 10) },
          ...(form.keyword && { keyword: String(form.keyword) }),
        },
        couponDeps,
      );
      c.set('changed', `coupon:${coupon.couponId}`);
      return c.html(await showCoupons({ ok: `クーポン ${coupon.couponId} を作成しました` }));
    } catch (error) {
      return c.html(await showCoupons(problem(error)), 400);
    }
  });
  app.post('/coupons/register', async (c) => {
    const couponId = String((await c.req.parseBody()).couponId ?? '').trim();
    try {
      const coupon = await registerCoupon(couponId, undefined, couponDeps);
      return c.html(
        await showCoupons({ ok: `クーポン ${coupon.title}（${coupon.couponId}）を登録しました` }),
      );
    } catch (error) {
      return c.html(await showCoupons(problem(error)), 400);
    }
  });
  app.post('/coupons/group-coupon', async (c) => {
    const couponId = String((await c.req.parseBody()).couponId ?? '').trim();
    try {
      const coupon = await setGroupCoupon(couponId || undefined, couponDeps);
      return c.html(
        await showCoupons({
          ok: coupon
            ? `グループクーポンを ${coupon.title}（${coupon.couponId}）にしました`
            : 'グループクーポンを解除しました',
        }),
      );
    } catch (error) {
      return c.html(await showCoupons(problem(error)), 400);
    }
  });

  /** The templates in effect for these overrides, or undefined when they break a rule. */
  const effective = (overrides: Record<string, unknown>): Templates | undefined => {
    try {
      return loadTemplates(overrides);
    } catch {
      return undefined;
    }
  };
  const showTemplates = async (view: {
    /** What the page shows: just saved, just refused, or as stored. */
    overrides: Record<string, unknown>;
    saved: Record<string, unknown>;
    json?: string;
    fields?: TemplateFields;
    errors?: ErrorDetail[];
    from?: 'fields' | 'json';
    done?: boolean;
  }) => {
    const groupCouponId = await deps.settings.groupCouponId();
    const coupon = groupCouponId ? await deps.coupons.get(groupCouponId) : undefined;
    const submitted = effective(view.overrides);
    // Refused: the preview shows what groups get now, the saved templates.
    const templates = submitted ?? effective(view.saved) ?? loadTemplates({});
    const memberWelcome = renderMemberWelcome(templates);
    return layout(
      'ボットの文言',
      templatesPage({
        fields: view.fields ?? fieldsOf(templates),
        json: view.json ?? JSON.stringify(view.overrides, null, 2),
        errors: view.errors ?? [],
        from: view.from ?? 'fields',
        saved: view.done ?? false,
        preview: {
          of: submitted ? 'submitted' : 'saved',
          join: welcomeMessages(templates, coupon),
          ...(coupon && { keyword: couponReplyMessages(templates, coupon) }),
          ...(memberWelcome && { memberWelcome }),
          coupons: new Map(coupon ? [[coupon.couponId, coupon]] : []),
        },
      }),
      '/coupons',
    );
  };
  /** Saves overrides after LINE's rules; a refusal names each field and saves nothing. */
  const saveTemplates = async (overrides: Record<string, unknown>) => {
    try {
      await deps.settings.setTemplateOverrides(overrides);
      return [];
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      return error.details;
    }
  };
  app.get('/templates', async (c) => {
    const saved = await deps.settings.templateOverrides();
    return c.html(await showTemplates({ overrides: saved, saved }));
  });
  app.post('/templates', async (c) => {
    const form = await c.req.parseBody();
    const saved = await deps.settings.templateOverrides();
    const fields = fieldsFromForm(form, fieldsOf(effective(saved) ?? loadTemplates({})));
    const overrides = overridesFrom(fields, saved);
    const errors = await saveTemplates(overrides);
    if (errors.length > 0) return c.html(await showTemplates({ overrides, saved, fields, errors }), 400);
    return c.html(await showTemplates({ overrides, saved: overrides, done: true }));
  });
  app.post('/templates/json', async (c) => {
    const text = String((await c.req.parseBody()).overrides ?? '{}');
    const saved = await deps.settings.templateOverrides();
    let overrides: Record<string, unknown>;
    try {
      overrides = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      const errors = [{ property: 'templates', message: `JSON ではありません: ${(error as Error).message}` }];
      return c.html(await showTemplates({ overrides: saved, saved, json: text, errors, from: 'json' }), 400);
    }
    const errors = await saveTemplates(overrides);
    if (errors.length > 0)
      return c.html(await showTemplates({ overrides, saved, json: text, errors, from: 'json' }), 400);
    return c.html(await showTemplates({ overrides, saved: overrides, json: text, done: true }));
  });

  const audiences = registerAudienceRoutes(app, deps);
  const showCampaigns = async (
    extra: Parameters<typeof campaignsPage>[0]['estimate'],
    message?: { ok?: string; error?: string },
  ) =>
    layout(
      'キャンペーン',
      campaignsPage({
        campaigns: (await deps.campaigns.list()).filter((c) => c.kind !== 'narrowcast'),
        coupons: await deps.coupons.list(),
        narrowcast: await audiences.narrowcastPart(),
        ...(extra && { estimate: extra }),
        ...(message && { message }),
      }),
      '/campaigns',
    );
  /** The refusals an operator can act on, in the page's words; anything else is a 500. */
  const refusal = (error: unknown) => {
    if (error instanceof QuotaExceededError)
      return `今月の残り通数が足りないため開始しませんでした（およそ ${error.needed} 通必要、残り ${error.remaining} 通）。送信先を減らすか、プランを変更してください。`;
    if (error instanceof InvalidTuningError) return `送信の設定が正しくありません: ${error.message}`;
    return undefined;
  };
  app.get('/campaigns', async (c) => c.html(await showCampaigns(undefined)));
  const estimateDeps = { registry: deps.registry, line: deps.line, reach: deps.members };
  /** `below` (percent) from a form: the friend-add card's target; undefined for every active chat. */
  const belowFrom = (form: Record<string, unknown>) => {
    if (form.target !== 'friendCard') return undefined;
    const percent = reachPercent(String(form.below ?? '').trim());
    if (percent === undefined) throw new UsageError(REACH_PERCENT_RULE);
    return percent;
  };
  app.post('/campaigns/estimate', async (c) => {
    const form = await c.req.parseBody();
    const couponId = String(form.couponId ?? '');
    let below: number | undefined;
    try {
      below = belowFrom(form);
    } catch (error) {
      return c.html(await showCampaigns(undefined, { error: (error as Error).message }), 400);
    }
    const estimate = await estimateCampaign(estimateDeps, {
      ...(below !== undefined && { belowReach: below / 100 }),
    });
    return c.html(await showCampaigns({ couponId, ...estimate, ...(below !== undefined && { below }) }));
  });
  app.post('/campaigns', async (c) => {
    const form = await c.req.parseBody();
    const couponId = String(form.couponId ?? '');
    const typed = { rate: String(form.rate ?? ''), concurrency: String(form.concurrency ?? '') };
    let below: number | undefined;
    try {
      below = belowFrom(form);
    } catch (error) {
      return c.html(await showCampaigns(undefined, { error: (error as Error).message }), 400);
    }
    if ((below === undefined || couponId) && !(await deps.coupons.get(couponId)))
      return c.html(await showCampaigns(undefined, { error: `クーポン ${couponId} がありません` }), 400);
    const spec =
      below === undefined
        ? { couponId, messages: campaignMessages(couponId) }
        : await friendCardSpec(
            {
              'friend-card': true,
              'below-reach': String(below / 100),
              ...(couponId && { coupon: couponId }),
            },
            deps.settings,
          );
    const campaignId = 'campaignId' in spec ? spec.campaignId : defaultCampaignId(couponId, spec.messages);
    try {
      await deps.startCampaign({ ...spec, campaignId }, parseCampaignTuning(typed));
    } catch (error) {
      const shown = refusal(error);
      if (!shown) throw error;
      // The estimate again, with what was typed, so the operator can correct it.
      const estimate = await estimateCampaign(estimateDeps, {
        ...(below !== undefined && { belowReach: below / 100 }),
      });
      return c.html(
        await showCampaigns(
          { couponId, ...estimate, ...typed, ...(below !== undefined && { below }) },
          { error: shown },
        ),
        400,
      );
    }
    c.set('changed', `campaign:${campaignId}`);
    return c.redirect(`/campaigns/${encodeURIComponent(campaignId)}`, 303);
  });
  const progress = async (campaignId: string) => {
    const { campaign, summary } = await campaignStatus(campaignId, { store: deps.campaigns });
    // Only a campaign paused for the quota asks LINE: the operator decides when to resume.
    const remainingQuota = campaign?.status === 'paused_quota' ? await deps.line.remainingQuota() : undefined;
    return campaignProgress(campaign, campaignId, summary, {
      ...(remainingQuota !== undefined && { remainingQuota }),
    });
  };
  const showCampaign = async (campaignId: string, message?: { error?: string }) =>
    layout(`キャンペーン ${campaignId}`, campaignPage(await progress(campaignId), message), '/campaigns');
  app.get('/campaigns/:campaignId', async (c) => c.html(await showCampaign(c.req.param('campaignId'))));
  // The part htmx swaps in every second while the campaign runs.
  app.get('/campaigns/:campaignId/progress', async (c) => c.html(await progress(c.req.param('campaignId'))));
  app.post('/campaigns/:campaignId/resume', async (c) => {
    const campaignId = c.req.param('campaignId');
    const campaign = await deps.campaigns.get(campaignId);
    if (!campaign) return c.html(layout('見つかりません', '', '/campaigns'), 404);
    try {
      const { couponId, messages } = campaign;
      await deps.startCampaign({ campaignId, couponId, messages });
    } catch (error) {
      const shown = refusal(error);
      if (!shown) throw error;
      return c.html(await showCampaign(campaignId, { error: shown }), 400);
    }
    return c.redirect(`/campaigns/${encodeURIComponent(campaignId)}`, 303);
  });

  app.onError((error, c) => {
    console.error(`console: ${error.message}`);
    return c.html(layout('エラー', `${error.message}`, c.req.path), 500);
  });
  return app;
}
