import type { Browser, Page } from 'playwright-core';
import { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import { consoleDeps } from '../../lib/console/deps';
import { type ConsoleServer, startConsole } from '../../lib/console/server';
import { freePort } from '../../lib/local/ports';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { browser as browserPrerequisite, launchBrowser } from '../support/browser';
import { runningCoupon } from '../support/campaign-fixtures';
import { describeNeeding } from '../support/prerequisites';
import { CHANNEL_ACCESS_TOKEN, startHarness, type Harness } from '../support/webhook-harness';
import { audienceUsers, control, follows, narrowcastsOf } from '../audiences/support';

// The console's audience and narrowcast pages in a real browser, on DynamoDB Local and the emulator.
const describeBrowser = describeNeeding(browserPrerequisite);

describeBrowser('console: audiences and narrowcasts', () => {
  let h: Harness;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await startHarness({}, { audiences: { readySeconds: 2, narrowcastPhaseMs: 200 } });
    const deps = consoleDeps({
      client: h.documents,
      tables: h.tables,
      line: h.couponDeps.line,
      audienceLine: new LineAudienceApi({ channelAccessToken: CHANNEL_ACCESS_TOKEN, baseURL: h.line.url }),
      log: () => undefined,
    });
    server = await startConsole(deps, await freePort());
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('creates an audience of the present friends of two chats, narrowcasts the coupon once and shows succeeded with LINE counts', async () => {
    const [a, b] = [newGroupId(), newGroupId()];
    const [friendA, friendB, other] = [newUserId(), newUserId(), newUserId()];
    const t = Date.now();
    await h.post([
      webhookEvents.join(a, { timestamp: t - 7_200_000 }),
      webhookEvents.join(b, { timestamp: t - 7_200_000 }),
    ]);
    await h.post([
      webhookEvents.memberJoined(a, [friendA, other], { timestamp: t - 3_600_000 }),
      webhookEvents.memberJoined(b, [friendB], { timestamp: t - 3_600_000 }),
    ]);
    await follows(h, friendA, true);
    await follows(h, friendB, true);
    await h.processing.sweep();
    const couponId = await runningCoupon(h);

    await page.goto(`${server.url}audiences`);
    await page.fill('input[name="name"]', '二つの店');
    await page.fill('input[name="groups"]', `${a},${b}`);
    await page.check('input[name="friendsOnly"]');
    await page.click('#create-audience button');
    const ok = await page.locator('p.ok').textContent();
    expect(ok).toMatch(/オーディエンス \d+ を作成しました: 2 人をアップロード（IN_PROGRESS）/);
    const audienceGroupId = Number(/オーディエンス (\d+)/.exec(ok ?? '')?.[1]);
    expect((await audienceUsers(h, audienceGroupId))?.sort()).toEqual([friendA, friendB].sort());
    expect(await page.locator(`tr[data-audience="${audienceGroupId}"]`).getAttribute('data-origin')).toBe(
      'line-groups',
    );

    await page.goto(`${server.url}campaigns`);
    expect(await page.locator('#narrowcast').textContent()).toContain(
      'オーディエンス全員分の通数を今月の上限から確保します',
    );
    await page.selectOption('select[name="audienceGroupId"]', String(audienceGroupId));
    await page.selectOption('#narrowcast select[name="couponId"]', couponId);
    await page.click('#narrowcast button');
    await page.waitForURL(/\/narrowcasts\//);
    await page.locator('#narrowcast-status', { hasText: 'succeeded' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-count="targetCount"] strong').textContent()).toBe('2');
    expect(await page.locator('[data-count="successCount"] strong').textContent()).toBe('2');
    expect(await page.locator('[data-count="failureCount"] strong').textContent()).toBe('0');
    const [sent, ...more] = await narrowcastsOf(h, audienceGroupId);
    expect(more).toEqual([]);
    expect(await page.locator('#request-id').textContent()).toBe(sent?.requestId);
  }, 60_000);

  it("LINE's audience API failing leaves /campaigns up: the push form stays, the narrowcast part says why", async () => {
    h.line.state.faults.push({ match: 'GET /v2/bot/audienceGroup/list', status: 500, count: 5 });
    const response = await page.goto(`${server.url}campaigns`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('#narrowcast').textContent()).toContain(
      'LINE のオーディエンスを読めませんでした',
    );
    // The push forms: a coupon to every active chat, and the add-friend card to low-reach chats.
    expect(await page.locator('form[action="/campaigns/estimate"]').count()).toBe(2);
    h.line.state.faults.length = 0;
  }, 30_000);

  it("lists OA Manager's chat-tag audience as from LINE; a bad form is refused on the page and uploads nothing", async () => {
    const tag = (await control(h, 'POST', '/emulator/audiences', {
      description: '来店客',
      userIds: [newUserId()],
    })) as {
      audienceGroupId: number;
    };
    await page.goto(`${server.url}audiences`);
    expect(await page.locator(`tr[data-audience="${tag.audienceGroupId}"]`).getAttribute('data-origin')).toBe(
      'line',
    );
    expect(await page.locator(`tr[data-audience="${tag.audienceGroupId}"] button`).count()).toBe(0);
    const before = h.line.state.audiences.byId.size;
    await page.fill('input[name="name"]', 'x');
    await page.fill('input[name="groups"]', 'not-a-chat');
    const answer = page.waitForResponse(
      (r) => r.url().endsWith('/audiences') && r.request().method() === 'POST',
    );
    await page.click('#create-audience button');
    expect((await answer).status()).toBe(400);
    expect(await page.locator('p.error').textContent()).toContain('--groups takes chat ids');
    expect(h.line.state.audiences.byId.size).toBe(before);
  }, 30_000);
});
