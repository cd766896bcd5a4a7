import type { Browser, Page } from 'playwright-core';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import { runCampaign } from '../../lambda/app/campaign/run-campaign';
import { campaignMessages, defaultCampaignId } from '../../lib/cli/campaign';
import { consoleDeps } from '../../lib/console/deps';
import { type ConsoleServer, startConsole } from '../../lib/console/server';
import { freePort } from '../../lib/local/ports';
import { browser as browserPrerequisite, launchBrowser } from '../support/browser';
import { describeNeeding } from '../support/prerequisites';
import { runningCoupon, seedActiveGroups, setMonthlyQuota } from '../support/campaign-fixtures';
import { Recorder, startHarness, type Harness } from '../support/webhook-harness';

// The console's campaign pages in a real browser, served as `npm start` serves them, on DynamoDB
// Local and the LINE emulator: a refusal is shown and leaves nothing running, the pace is checked
// as the CLI checks it, and a campaign paused by LINE's monthly limit says why and resumes.
const describeBrowser = describeNeeding(browserPrerequisite);

describeBrowser('console: campaigns', () => {
  let h: Harness;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let couponId: string;
  let consumed: number;
  const logged: string[] = [];

  beforeAll(async () => {
    h = await startHarness({}, { monthlyQuota: 1_000_000 });
    couponId = await runningCoupon(h);
    await seedActiveGroups(h, 4, { memberCount: 5 });
    ({ consumed } = await setMonthlyQuota(h, 0));
    const deps = consoleDeps({
      client: h.documents,
      tables: h.tables,
      line: h.couponDeps.line,
      log: (line) => logged.push(line),
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
  const store = () => new DynamoDbCampaignStore(h.documents, h.tables);
  const estimate = async () => {
    await page.goto(`${server.url}campaigns`);
    await page.selectOption('select[name="couponId"]', couponId);
    await page.click('form[action="/campaigns/estimate"] button');
  };

  it('a campaign the quota cannot pay is refused on the page; nothing is written, nothing shows as running', async () => {
    await setMonthlyQuota(h, consumed + 19); // 4 groups × 5 members = 20
    await estimate();
    expect(await page.locator('#estimate').textContent()).toContain('今月の残り通数が足りません');
    const answer = page.waitForResponse(
      (r) => r.url().endsWith('/campaigns') && r.request().method() === 'POST',
    );
    await page.click('#estimate button');
    expect((await answer).status()).toBe(400);
    expect(await page.locator('[role="alert"]').textContent()).toContain(
      '今月の残り通数が足りないため開始しませんでした（およそ 20 通必要、残り 19 通）',
    );
    expect(await store().list()).toEqual([]);
    await page.goto(server.url);
    expect(await page.locator('main').textContent()).toMatch(/実行中のキャンペーン\s*ありません/);
    expect(h.line.state.sent.filter((s) => s.via === 'push')).toEqual([]);
  });

  it.each([
    ['rate', 'abc', 'rate must be a number of pushes per second above 0 and at most 2000 (got "abc")'],
    ['concurrency', '0', 'concurrency must be a whole number of pushes at once from 1 to 256 (got "0")'],
  ])('the form refuses %s = %s as the CLI does, keeping what was typed', async (field, value, message) => {
    await setMonthlyQuota(h, consumed + 1000);
    await estimate();
    await page.fill(`#estimate input[name="${field}"]`, value);
    await page.click('#estimate button');
    expect(await page.locator('[role="alert"]').textContent()).toContain(message);
    expect(await page.inputValue(`#estimate input[name="${field}"]`)).toBe(value);
    expect(await store().list()).toEqual([]);
  });

  it('a campaign paused by the monthly limit shows why and the quota left, stops polling, and resumes from its page', async () => {
    // Started from the CLI with --ignore-quota: LINE stops it after two groups.
    await setMonthlyQuota(h, consumed + 10);
    const recorder = new Recorder();
    const spec = {
      campaignId: defaultCampaignId(couponId, campaignMessages(couponId)),
      couponId,
      messages: campaignMessages(couponId),
    };
    const run = await runCampaign(
      spec,
      { ignoreQuota: true },
      {
        registry: h.registry,
        store: store(),
        line: h.couponDeps.line,
        limiter: new RateLimiter(1000),
        log: recorder,
        telemetry: recorder,
        now: () => new Date(),
        concurrency: 1,
        maxAttempts: 3,
      },
    );
    expect(run).toMatchObject({ status: 'paused_quota', sent: 2 });

    await page.goto(`${server.url}campaigns/${spec.campaignId}`);
    expect(await page.locator('#campaign-status').textContent()).toContain('今月の上限で停止中 paused_quota');
    expect(await page.locator('#paused').textContent()).toContain(
      '理由: LINE answered 429: You have reached your monthly limit.',
    );
    expect(await page.locator('#remaining-quota').textContent()).toBe('0');
    expect(await page.locator('#progress').getAttribute('hx-get')).toBeNull();
    await page.goto(`${server.url}campaigns`);
    expect(await page.locator(`tr[data-campaign="${spec.campaignId}"]`).textContent()).toContain(
      'paused_quota',
    );

    // Still no quota: the resume is refused on the page, and the campaign stays paused.
    await page.goto(`${server.url}campaigns/${spec.campaignId}`);
    await page.click('#paused button');
    expect(await page.locator('[role="alert"]').textContent()).toContain('今月の残り通数が足りない');
    expect(await store().get(spec.campaignId)).toMatchObject({ status: 'paused_quota' });

    await setMonthlyQuota(h, consumed + 1000);
    await page.goto(`${server.url}campaigns/${spec.campaignId}`);
    expect(await page.locator('#remaining-quota').textContent()).toBe(String(1000 - 10));
    await page.click('#paused button');
    await page.waitForURL(`${server.url}campaigns/${spec.campaignId}`);
    // Followed live (htmx) until done: each group once.
    await page.locator('#campaign-status code', { hasText: /^done$/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-count="sent"] strong').textContent()).toBe('4');
    const perGroup = new Map<string, number>();
    for (const s of h.line.state.sent)
      if (s.via === 'push') perGroup.set(s.to, (perGroup.get(s.to) ?? 0) + 1);
    expect([...perGroup.values()]).toEqual([1, 1, 1, 1]);
    expect(logged).toEqual([]);
  }, 60_000);
});
