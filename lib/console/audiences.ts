import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Env, Hono } from 'hono';
import { html } from 'hono/html';
import type { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import type { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import type { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import {
  type AudienceDeps,
  createAudience,
  listAudiences,
  refreshAudience,
} from '../../lambda/app/audiences/manage-audiences';
import {
  followNarrowcast,
  type NarrowcastDeps,
  startNarrowcast,
  UnknownAudienceError,
} from '../../lambda/app/narrowcast/run-narrowcast';
import {
  type AudienceSource,
  InvalidAudienceError,
  parseBelowReach,
  parseGroupIds,
} from '../../lambda/domain/audiences';
import { defaultNarrowcastId, narrowcastMessages } from '../../lambda/domain/narrowcast';
import { loadTemplates } from '../../lambda/domain/templates';
import { audienceDepsFor } from '../cli/audiences';
import { narrowcastDepsFor } from '../cli/narrowcast';
import { layout } from './views/layout';
import { audiencesPage, narrowcastProgress, narrowcastSection } from './views/audiences';

/** What the audience pages call: the same use cases as `npm run audiences` and `campaign start`. */
export interface AudienceConsole {
  audiences: AudienceDeps;
  narrowcast: NarrowcastDeps;
  /** Follows a started narrowcast in this process until it ends (the page reads its progress). */
  follow(campaignId: string): void;
}

export function audienceConsole(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: LineAudienceApi;
  env?: NodeJS.ProcessEnv;
  log(line: string): void;
}): AudienceConsole {
  const env = options.env ?? process.env;
  const narrowcast = narrowcastDepsFor({ ...options, env });
  const following = new Set<string>();
  return {
    audiences: audienceDepsFor({ ...options, env }),
    narrowcast,
    follow(campaignId) {
      if (following.has(campaignId)) return;
      following.add(campaignId);
      void followNarrowcast(campaignId, narrowcast)
        .catch((error: unknown) =>
          options.log(`narrowcast ${campaignId} stopped: ${(error as Error).message}`),
        )
        .finally(() => following.delete(campaignId));
    },
  };
}

/** An operator's input the rules refuse: shown on the page (400), nothing written. */
const refused = (error: unknown) =>
  error instanceof InvalidAudienceError || error instanceof UnknownAudienceError
    ? (error as Error).message
    : undefined;

/**
 * `/audiences` (list, create from chats or by reach, refresh) and narrowcasts from `/campaigns`
 * (`narrowcastPart` is the section that page shows), with their live progress.
 */
export function registerAudienceRoutes<E extends Env>(
  app: Hono<E>,
  deps: { audiences?: AudienceConsole; coupons: DynamoDbCouponStore; settings: DynamoDbSettingsStore },
): { narrowcastPart(): Promise<unknown> } {
  const a = deps.audiences;
  const notConfigured = 'LINE のオーディエンス API に接続していません';

  const showAudiences = async (
    message?: { ok?: string; error?: string },
    form?: Parameters<typeof audiencesPage>[0]['form'],
  ) =>
    layout(
      'オーディエンス',
      audiencesPage({
        audiences: a ? await listAudiences(a.audiences) : [],
        ...(message && { message }),
        ...(form && { form }),
      }),
      '/audiences',
    );
  app.get('/audiences', async (c) => c.html(await showAudiences(a ? undefined : { error: notConfigured })));
  app.post('/audiences', async (c) => {
    if (!a) return c.html(await showAudiences({ error: notConfigured }), 503);
    const body = await c.req.parseBody();
    const form = {
      name: String(body.name ?? ''),
      groups: String(body.groups ?? '').trim(),
      belowReach: String(body.belowReach ?? '').trim(),
      friendsOnly: body.friendsOnly === '1',
    };
    try {
      if (Boolean(form.groups) === Boolean(form.belowReach))
        throw new InvalidAudienceError('グループ ID か友だち率のどちらか一方を入力してください');
      const source: AudienceSource = form.groups
        ? { groups: parseGroupIds(form.groups) }
        : { belowReach: parseBelowReach(form.belowReach) };
      const created = await createAudience(
        { name: form.name, source, friendsOnly: form.friendsOnly },
        a.audiences,
      );
      return c.html(
        await showAudiences({
          ok: `オーディエンス ${created.audienceGroupId} を作成しました: ${created.userCount} 人をアップロード（${created.status}）`,
        }),
      );
    } catch (error) {
      const shown = refused(error);
      if (!shown) throw error;
      return c.html(await showAudiences({ error: shown }, form), 400);
    }
  });
  app.post('/audiences/:audienceGroupId/refresh', async (c) => {
    if (!a) return c.html(await showAudiences({ error: notConfigured }), 503);
    try {
      const refreshed = await refreshAudience(Number(c.req.param('audienceGroupId')), a.audiences);
      return c.html(
        await showAudiences({
          ok: `オーディエンス ${refreshed.audienceGroupId} に ${refreshed.added} 人を追加しました（合計 ${refreshed.userCount} 人）`,
        }),
      );
    } catch (error) {
      const shown = refused(error);
      if (!shown) throw error;
      return c.html(await showAudiences({ error: shown }), 400);
    }
  });

  app.post('/campaigns/narrowcast', async (c) => {
    if (!a) return c.html(layout('ナローキャスト', notConfigured, '/campaigns'), 503);
    const body = await c.req.parseBody();
    const audienceGroupId = Number(body.audienceGroupId);
    const couponId = String(body.couponId ?? '');
    if (!Number.isSafeInteger(audienceGroupId) || !(await deps.coupons.get(couponId)))
      return c.html(layout('ナローキャスト', 'オーディエンスとクーポンを選んでください', '/campaigns'), 400);
    const messages = narrowcastMessages(loadTemplates(await deps.settings.templateOverrides()), { couponId });
    const campaignId = defaultNarrowcastId(audienceGroupId, messages);
    try {
      await startNarrowcast({ campaignId, audienceGroupId, couponId, messages }, a.narrowcast);
    } catch (error) {
      const shown = refused(error);
      if (!shown) throw error;
      return c.html(layout('ナローキャスト', shown, '/campaigns'), 400);
    }
    a.follow(campaignId);
    return c.redirect(`/narrowcasts/${encodeURIComponent(campaignId)}`, 303);
  });
  const progress = async (campaignId: string) =>
    narrowcastProgress(campaignId, a ? await a.narrowcast.store.get(campaignId) : undefined);
  app.get('/narrowcasts/:campaignId', async (c) => {
    const campaignId = c.req.param('campaignId');
    return c.html(layout(`ナローキャスト ${campaignId}`, await progress(campaignId), '/campaigns'));
  });
  app.get('/narrowcasts/:campaignId/progress', async (c) =>
    c.html(await progress(c.req.param('campaignId'))),
  );

  return {
    async narrowcastPart() {
      if (!a) return '';
      // LINE unreachable must not take the push campaigns' page down with it.
      const read = await Promise.all([
        listAudiences(a.audiences),
        deps.coupons.list(),
        a.narrowcast.store.list(),
        a.narrowcast.line.remainingQuota(),
      ]).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (read instanceof Error)
        return html`<p class="error" id="narrowcast">
          LINE のオーディエンスを読めませんでした: ${read.message}
        </p>`;
      const [audiences, coupons, narrowcasts, remainingQuota] = read;
      return narrowcastSection({
        audiences,
        coupons,
        narrowcasts,
        ...(remainingQuota !== undefined && { remainingQuota }),
      });
    },
  };
}
