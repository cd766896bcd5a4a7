import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { defaultTableNames } from '../../lambda/adapters/dynamodb/tables';
import { seal, type Session } from '../../lib/console/auth/session';
import { freePort } from '../../lib/local/ports';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { Simulator } from '../../lib/local/simulator/scenarios';
import { newGroupId } from '../../lib/local/simulator/webhook-events';
import { browser as browserPrerequisite, launchBrowser } from '../support/browser';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider';
import { describeNeeding } from '../support/prerequisites';

// The console with CONSOLE_AUTH=oidc, as `npm start` runs it, signing people in through a real
// OpenID Connect provider (oidc-provider) in its own process, in a real browser.
const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';

describeNeeding(browserPrerequisite)('console sign-in (CONSOLE_AUTH=oidc)', () => {
  let stack: LocalStackProcess;
  let provider: TestOidcProvider;
  let browser: Browser;
  let consoleUrl: string;
  const groupId = newGroupId();
  const contexts: BrowserContext[] = [];
  const db = () => {
    const client = documentClient({ dynamoDbEndpoint: stack.dynamoDbEndpoint });
    return {
      coupons: new DynamoDbCouponStore(client, defaultTableNames.coupons),
      audit: new DynamoDbAuditLog(client, defaultTableNames.audit),
      close: () => client.destroy(),
    };
  };

  beforeAll(async () => {
    const consolePort = await freePort();
    consoleUrl = `http://127.0.0.1:${consolePort}/`;
    provider = await startOidcProvider(consoleUrl);
    stack = await startLocalStackProcess({
      CONSOLE_PORT: String(consolePort),
      CONSOLE_AUTH: 'oidc',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      CONSOLE_PUBLIC_URL: consoleUrl,
      CONSOLE_SESSION_SECRET: SESSION_SECRET,
      CONSOLE_LISTEN_HOST: '127.0.0.1',
    });
    const emulator = new EmulatorControl(stack.emulatorUrl);
    await emulator.setChat(groupId, { groupName: '新宿店 常連さん', memberCount: 8 });
    await new Simulator({ url: stack.webhookUrl, secret: 'local-channel-secret', emulator }).run({
      name: 'join',
      groupId,
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.interrupt();
    await provider?.stop();
  });

  const fresh = async () => {
    const context = await browser.newContext();
    contexts.push(context);
    return context;
  };
  const onProviderLogin = (page: Page) => page.url().startsWith(`${provider.issuer}/interaction/`);
  /** Visits a console page and signs in on the provider's form as `who` (its account id). */
  const signIn = async (who: string, path = 'groups') => {
    const page = await (await fresh()).newPage();
    await page.goto(`${consoleUrl}${path}`);
    expect(onProviderLogin(page)).toBe(true);
    await page.fill('input[name="login"]', who);
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');
    await page.waitForURL((url) => url.href.startsWith(consoleUrl));
    return page;
  };
  const postCoupon = (page: Page, origin = consoleUrl.slice(0, -1)) =>
    page.request.post(`${consoleUrl}coupons`, {
      form: { title: `by ${origin}`, days: '30', percentage: '10' },
      headers: { Origin: origin },
      maxRedirects: 0,
    });

  it('an unauthenticated visit goes to the sign-in; the answer carries the security headers', async () => {
    const page = await (await fresh()).newPage();
    const first = await page.request.get(`${consoleUrl}groups?status=active`, { maxRedirects: 0 });
    expect(first.status()).toBe(302);
    expect(first.headers().location).toBe(
      `/auth/login?return=${encodeURIComponent('/groups?status=active')}`,
    );
    const csp = first.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(first.headers()['referrer-policy']).toBe('same-origin');
    // Plain http on this machine: no HSTS (it is sent when CONSOLE_PUBLIC_URL is https).
    expect(first.headers()['strict-transport-security']).toBeUndefined();
    await page.goto(`${consoleUrl}groups`);
    expect(onProviderLogin(page)).toBe(true);
  });

  it('the viewer sees the groups, no change buttons, and a coupon change is refused (403, nothing changed)', async () => {
    const page = await signIn('viewer');
    expect(new URL(page.url()).pathname).toBe('/groups');
    expect(await page.locator(`tr[data-group="${groupId}"]`).textContent()).toContain('新宿店 常連さん');
    expect(await page.locator('header .who').textContent()).toContain('viewer@example.com');
    await page.goto(`${consoleUrl}coupons`);
    expect(await page.locator('form[action="/coupons"]').count()).toBe(0);
    expect(await page.locator('form[action="/coupons/group-coupon"]').count()).toBe(0);
    await page.goto(`${consoleUrl}groups/${groupId}`);
    expect(await page.locator('form[action$="/leave"]').count()).toBe(0);

    const store = db();
    try {
      const before = await store.coupons.list();
      const refused = await postCoupon(page);
      expect(refused.status()).toBe(403);
      expect(await refused.text()).toContain('operator');
      expect(await store.coupons.list()).toEqual(before);
      const trail = await store.audit.since(new Date(Date.now() - 3_600_000), new Date(), 100);
      expect(trail.filter((e) => e.actor.email === 'viewer@example.com')).toEqual([]);
    } finally {
      store.close();
    }
    // Both roles read the trail.
    await page.goto(`${consoleUrl}audit`);
    expect(page.url()).toBe(`${consoleUrl}audit`);
  });

  it("the operator's coupon change works and appears in /audit with their identity", async () => {
    const page = await signIn('operator', 'coupons');
    expect(new URL(page.url()).pathname).toBe('/coupons');
    await page.fill('input[name="title"]', 'サインイン記念 10%OFF');
    await page.click('form[action="/coupons"] button');
    const status = (await page.locator('[role="status"]').textContent()) ?? '';
    const couponId = /クーポン (\S+) を作成しました/.exec(status)?.[1];
    expect(couponId).toBeDefined();
    await page.goto(`${consoleUrl}audit`);
    const row = page.locator('tr[data-action="coupons.create"]', { hasText: `coupon:${couponId}` });
    expect(await row.count()).toBe(1);
    expect(await row.locator('[data-column="actor"]').textContent()).toContain('operator@example.com');
    expect(await row.textContent()).toContain('operator');
    expect(await row.textContent()).toContain('サインイン記念 10%OFF');
    // The trail has no form: nothing on the console changes it.
    expect(await page.locator('main form').count()).toBe(0);
  });

  it("the operator's leave asks first (our script, under the CSP), then is in /audit", async () => {
    const page = await signIn('operator', `groups/${groupId}`);
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.check('input[name="confirm"]');
    await page.click('form[action$="/leave"] button');
    await page.waitForSelector('[role="status"]');
    expect(asked).toEqual(['このグループから公式アカウントを退出させます。よろしいですか？']);
    await page.goto(`${consoleUrl}audit`);
    const row = page.locator('tr[data-action="groups.leave"]', { hasText: `group:${groupId}` });
    expect(await row.locator('[data-column="actor"]').textContent()).toContain('operator@example.com');
    expect(blocked).toEqual([]);
  });

  it('a person with neither role gets a 403 page that says so', async () => {
    const page = await signIn('nobody');
    const answer = await page.request.get(`${consoleUrl}groups`);
    expect(answer.status()).toBe(403);
    expect(await page.locator('[data-forbidden="no-role"]').textContent()).toContain('役割');
    expect(await page.locator('tr[data-group]').count()).toBe(0);
  });

  it('a tampered cookie and an expired session go back to the sign-in, never to a page', async () => {
    const page = await signIn('operator');
    const session = (await page.context().cookies()).find((c) => c.name === 'lg_session');
    expect(session).toBeDefined();
    const value = session!.value;
    const middle = Math.floor(value.length / 2);
    const tampered = `${value.slice(0, middle)}${value[middle] === 'A' ? 'B' : 'A'}${value.slice(middle + 1)}`;

    // Sealed with the console's own key, but last seen nine hours ago (idle for more than eight).
    const key = createHash('sha256').update(SESSION_SECRET).digest();
    const longAgo = Date.now() - 9 * 3_600_000;
    const expired = seal(key, 'lg_session', {
      subject: 'operator',
      email: 'operator@example.com',
      role: 'operator',
      signedInAt: longAgo,
      seenAt: longAgo,
    } satisfies Session);

    for (const cookie of [tampered, expired]) {
      // A browser that has only that cookie (no session at the provider either).
      const context = await fresh();
      await context.addCookies([{ name: 'lg_session', value: cookie, url: consoleUrl }]);
      const visit = await context.newPage();
      const answer = await visit.request.get(`${consoleUrl}coupons`, { maxRedirects: 0 });
      expect(answer.status()).toBe(302);
      expect(answer.headers().location).toMatch(/^\/auth\/login\?/);
      expect(answer.headers()['set-cookie']).toMatch(/lg_session=;/);
      await visit.goto(`${consoleUrl}coupons`);
      expect(onProviderLogin(visit)).toBe(true);
      // And a POST with it changes nothing.
      const store = db();
      try {
        const before = await store.coupons.list();
        const post = await postCoupon(visit);
        expect(post.status()).toBe(303);
        expect(await store.coupons.list()).toEqual(before);
      } finally {
        store.close();
      }
    }
  });

  it("sign-out clears the session and the provider's, and the next visit signs in again", async () => {
    const page = await signIn('operator');
    await page.click('header form[action="/auth/logout"] button');
    // The provider's end_session_endpoint asks before it ends its own session.
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.click('button[name="logout"]');
    await page.waitForURL(`${consoleUrl}auth/signed-out`);
    expect(await page.locator('[role="status"]').textContent()).toContain('サインアウトしました');
    expect((await page.context().cookies()).find((c) => c.name === 'lg_session')).toBeUndefined();
    await page.goto(`${consoleUrl}coupons`);
    expect(onProviderLogin(page)).toBe(true);
  });

  it('a POST from a foreign Origin is refused even with a live operator session, and changes nothing', async () => {
    const page = await signIn('operator');
    const store = db();
    try {
      const before = await store.coupons.list();
      const foreign = await postCoupon(page, 'http://evil.example');
      expect(foreign.status()).toBe(403);
      expect(await foreign.text()).toBe('cross-origin request refused');
      expect(await store.coupons.list()).toEqual(before);
    } finally {
      store.close();
    }
  });
});
