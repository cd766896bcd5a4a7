import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../lib/local/ports';
import { request } from 'node:http';
import type { Browser, Locator, Page } from 'playwright-core';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { Simulator } from '../../lib/local/simulator/scenarios';
import { newGroupId } from '../../lib/local/simulator/webhook-events';
import { browser as browserPrerequisite, launchBrowser } from '../support/browser';
import { describeNeeding } from '../support/prerequisites';
import { oaManagerCoupon } from '../support/oa-manager';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';

// The operators' console in a real browser (Debian's chromium-headless-shell), on the whole local
// stack as `npm start` runs it, seeded with signed webhooks.
const ROOT = join(__dirname, '..', '..');

/** CSS properties of an element as the browser computed them (what the operator sees). */
const css = (locator: Locator, ...properties: string[]) =>
  locator.evaluate((element, names) => {
    const window = globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> };
    const style = window.getComputedStyle(element);
    return Object.fromEntries(names.map((name) => [name, style[name]]));
  }, properties);
const describeBrowser = describeNeeding(browserPrerequisite);

describeBrowser('operators console', () => {
  let stack: LocalStackProcess;
  let browser: Browser;
  let page: Page;
  let emulator: EmulatorControl;
  let simulator: Simulator;
  const scriptErrors: string[] = [];
  const active = [newGroupId(), newGroupId()];
  const ejected = newGroupId();
  let lastActivityAt: string;

  beforeAll(async () => {
    stack = await startLocalStackProcess();
    emulator = new EmulatorControl(stack.emulatorUrl);
    simulator = new Simulator({ url: stack.webhookUrl, secret: 'local-channel-secret', emulator });
    await emulator.setChat(active[0]!, { groupName: '渋谷店 常連さん', memberCount: 12 });
    // A name that is markup must show as text.
    await emulator.setChat(active[1]!, { groupName: '<img src=x onerror=alert(1)>', memberCount: 4 });
    for (const groupId of active) await simulator.run({ name: 'join', groupId });
    const [said] = await simulator.run({ name: 'message', groupId: active[0]!, text: 'こんにちは' });
    lastActivityAt = new Date(said!.events[0]!.timestamp).toISOString();
    await simulator.run({ name: 'eject', groupId: ejected });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    mkdirSync('.local/screenshots', { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.interrupt();
  });
  afterEach(() => expect(scriptErrors).toEqual([]));

  it('overview: counts per status, the 30-day chart, the latest ejection', async () => {
    expect(stack.output()).toContain(`console         ${stack.consoleUrl}`);
    await page.goto(stack.consoleUrl);
    expect(await page.locator('[data-status="active"] .n').textContent()).toBe('2');
    expect(await page.locator('[data-status="ejected"] .n').textContent()).toBe('1');
    expect(await page.locator('svg rect').count()).toBe(90);
    expect(await page.locator(`tr[data-group="${ejected}"]`).textContent()).toContain(
      'second_official_account',
    );
    await page.screenshot({ path: '.local/screenshots/overview.png', fullPage: true });
  });

  it('groups: filtered by status, found by name, an ejection explained event by event; markup shown as text', async () => {
    await page.goto(`${stack.consoleUrl}groups?status=ejected`);
    await page.click(`tr[data-group="${ejected}"] a`);
    const text = await page.locator('main').textContent();
    expect(text).toContain('追い出し ejected');
    expect(text).toContain('他の公式アカウントが先に参加 second_official_account');
    expect(text).toContain('追い出しと判定 ejected'); // the leave's decision
    await page.goto(`${stack.consoleUrl}groups?status=active&q=${encodeURIComponent('渋谷')}`);
    expect(await page.locator('tr[data-group]').count()).toBe(1);
    await page.goto(`${stack.consoleUrl}groups?status=active`);
    expect(await page.locator(`tr[data-group="${active[1]}"] a`).textContent()).toBe(
      '<img src=x onerror=alert(1)>',
    );
    // When each chat last spoke, so quiet ones show; one that never did shows "-".
    const lastActive = (groupId: string) =>
      page.locator(`tr[data-group="${groupId}"] [data-column="lastActivityAt"]`).textContent();
    expect(await lastActive(active[0]!)).toBe(lastActivityAt.replace('T', ' ').slice(0, 19));
    expect(await lastActive(active[1]!)).toBe('-');
    await page.screenshot({ path: '.local/screenshots/groups.png', fullPage: true });
  });

  it('coupons: created, set as the group coupon; one made in OA Manager fetched and set in one step', async () => {
    await page.goto(`${stack.consoleUrl}coupons`);
    await page.fill('input[name="title"]', '週末限定 10%OFF');
    await page.click('form[action="/coupons"] button');
    const created = /クーポン (\S+) を作成しました/.exec(
      (await page.locator('[role="status"]').textContent()) ?? '',
    )?.[1];
    expect(await page.locator(`tr[data-coupon="${created}"]`).textContent()).toContain('週末限定 10%OFF');
    await page.click(`tr[data-coupon="${created}"] button`);
    expect(await page.locator('#group-coupon').textContent()).toBe(created);
    const couponId = await oaManagerCoupon(stack.emulatorUrl, 'OA Manager のクーポン');
    await page.fill('#oa-manager input[name="couponId"]', couponId);
    await page.click('#oa-manager button:not([formaction])');
    expect(await page.locator('[role="status"]').textContent()).toContain('OA Manager のクーポン');
    expect(await page.locator('#group-coupon').textContent()).toBe(couponId);
    expect(await page.locator(`tr[data-coupon="${couponId}"]`).count()).toBe(1);

    // LINE's answer is checked: an unknown id is a clear error, and nothing changes.
    await page.fill('#oa-manager input[name="couponId"]', 'no-such-coupon');
    await page.click('#oa-manager button[formaction="/coupons/register"]');
    expect(await page.locator('[role="alert"]').textContent()).toContain('LINE answered 404');
    expect(await page.locator('#group-coupon').textContent()).toBe(couponId);
  });

  it('npm run console serves the same pages alone, against the tables DYNAMODB_ENDPOINT names', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/console.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
          LINE_API_BASE_URL: stack.emulatorUrl,
          CONSOLE_PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      for (let i = 0; i < 100 && !output.includes('console '); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain(`http://127.0.0.1:${port}/`);
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.locator('[data-status="ejected"] .n').textContent()).toBe('1');
    } finally {
      child.kill('SIGINT');
    }
  });

  it('templates: a form per field; a saved change shows in the preview and in the next welcome', async () => {
    await page.goto(`${stack.consoleUrl}templates`);
    expect(await page.inputValue('#welcomeText')).toBe('グループに招待いただきありがとうございます！');
    expect(await page.inputValue('#keywords')).toBe('クーポン, coupon');
    expect(await page.inputValue('#cardTitle')).toBe('友だち追加のお願い');
    expect(await page.inputValue('#cardButton')).toBe('友だち追加');
    expect(await page.isChecked('input[name="memberWelcome"]')).toBe(true);
    // The card drawn as LINE draws it: a bold large title, grey small text, a green button.
    const join = page.locator('#preview-join');
    const look = (selector: string, hasText: string) =>
      css(join.locator(selector, { hasText }), 'fontSize', 'fontWeight', 'color', 'backgroundColor');
    expect(await look('.flex-text', '友だち追加のお願い')).toMatchObject({
      fontSize: '19px',
      fontWeight: '700',
    });
    expect(await look('.flex-text', '友だち追加すると')).toMatchObject({
      fontSize: '14px',
      color: 'rgb(102, 102, 102)',
    });
    expect(await look('.flex-button', '友だち追加')).toMatchObject({
      color: 'rgb(255, 255, 255)',
      backgroundColor: 'rgb(6, 199, 85)',
    });
    // The group coupon (set above) is drawn between the welcome and the card, with its title.
    expect(await join.locator('.coupon-card').textContent()).toContain('OA Manager のクーポン');

    await page.fill('#welcomeText', '渋谷店のグループへようこそ！\n毎週金曜にお得な情報をお届けします。');
    await page.fill('#cardTitle', '渋谷店の友だち募集中');
    await page.fill('#cardButton', '友だちになる');
    await page.uncheck('input[name="memberWelcome"]');
    await page.click('#template-fields button');

    expect(await page.locator('[role="status"]').textContent()).toContain('保存しました');
    expect(await join.locator('.bubble').first().innerText()).toBe(
      '渋谷店のグループへようこそ！\n毎週金曜にお得な情報をお届けします。\n「クーポン」と送ると、いつでもクーポンをお届けします。',
    );
    expect(await join.locator('.flex-text').first().textContent()).toContain('渋谷店の友だち募集中');
    expect(await join.locator('.flex-button').textContent()).toContain('友だちになる');
    expect(await page.locator('#preview-member').textContent()).toContain('送りません');
    // The JSON box holds exactly what the form changed, nothing more.
    await page.click('#template-json summary');
    expect(
      Object.keys(JSON.parse(await page.inputValue('textarea[name="overrides"]')) as object).sort(),
    ).toEqual(['friendCard', 'memberWelcome', 'welcomeText']);
    await page.screenshot({ path: '.local/screenshots/templates.png', fullPage: true });

    // What a group gets: a real join through the local stack, read back from LINE (the emulator).
    const groupId = newGroupId();
    await simulator.run({ name: 'join', groupId });
    const [welcome] = await emulator.messages(groupId);
    expect(welcome!.messages[0]!.text).toBe(
      '渋谷店のグループへようこそ！\n毎週金曜にお得な情報をお届けします。\n「クーポン」と送ると、いつでもクーポンをお届けします。',
    );
    const card = JSON.stringify(welcome!.messages.at(-1));
    expect(card).toContain('"text":"渋谷店の友だち募集中"');
    expect(card).toContain('"label":"友だちになる"');
    const [memberJoined] = await simulator.run({ name: 'member-joined', groupId });
    expect(memberJoined!.sent).toEqual([]); // turned off
    await simulator.run({ name: 'leave', groupId }); // the campaign below counts two active groups
  });

  it("templates: a field that breaks LINE's rules is named beside it, and nothing is saved", async () => {
    await page.goto(`${stack.consoleUrl}templates`);
    await page.fill('#addFriendUrl', 'http://line.me/R/ti/p/@shibuya');
    await page.fill('#welcomeText', 'この変更は保存されません');
    await page.click('#template-fields button');
    expect(await page.getAttribute('#addFriendUrl', 'aria-invalid')).toBe('true');
    expect(await page.locator('#error-addFriendUrl').textContent()).toContain('Must be an https:// URL');
    expect(await page.locator('[role="alert"] li').allTextContents()).toEqual([
      'templates.addFriendUrl: Must be an https:// URL',
    ]);
    // The form keeps what was typed; the preview shows what groups get now, the saved text.
    expect(await page.inputValue('#welcomeText')).toBe('この変更は保存されません');
    expect(await page.locator('#preview h2').textContent()).toContain('保存されている文言');
    expect(await page.locator('#preview-join .bubble').first().textContent()).toContain(
      '渋谷店のグループへようこそ！',
    );
    await page.goto(`${stack.consoleUrl}templates`);
    expect(await page.inputValue('#welcomeText')).toContain('渋谷店のグループへようこそ！');
  });

  it('templates as JSON: errors named per field; a Flex card with a hero image, separator and button drawn as LINE draws it', async () => {
    await page.goto(`${stack.consoleUrl}templates`);
    await page.click('#template-json summary');
    await page.fill(
      'textarea[name="overrides"]',
      JSON.stringify({ welcomeText: '', friendCard: { type: 'flex', altText: '', contents: {} } }),
    );
    await page.click('form[action="/templates/json"] button');
    const errors = await page.locator('[role="alert"] li').allTextContents();
    expect(errors.join('\n')).toContain('templates.welcomeText');
    expect(errors.join('\n')).toContain('templates.friendCard.altText');
    expect(await page.locator('#error-welcomeText').textContent()).toContain('May not be empty');

    const friendCard = {
      type: 'flex',
      altText: '秋の新メニュー',
      contents: {
        type: 'bubble',
        hero: {
          type: 'image',
          url: 'https://127.0.0.1:1/autumn.png',
          size: 'full',
          aspectRatio: '20:13',
          aspectMode: 'cover',
        },
        body: {
          type: 'box',
          layout: 'vertical',
          contents: [
            { type: 'text', text: '秋の新メニュー', weight: 'bold', size: 'xl', color: '#B45309' },
            { type: 'separator', margin: 'md' },
            { type: 'text', text: '栗のパフェ、はじめました。', wrap: true, size: 'sm' },
          ],
        },
        footer: {
          type: 'box',
          layout: 'vertical',
          contents: [
            {
              type: 'button',
              style: 'link',
              action: { type: 'uri', label: 'メニューを見る', uri: '{{addFriendUrl}}' },
            },
          ],
        },
      },
    };
    await page.fill('textarea[name="overrides"]', JSON.stringify({ friendCard }));
    await page.click('form[action="/templates/json"] button');
    expect(await page.locator('[role="status"]').textContent()).toContain('保存しました');
    const card = page.locator('#preview-join .flex-bubble');
    expect(await card.locator('.flex-hero img').getAttribute('src')).toBe('https://127.0.0.1:1/autumn.png');
    expect(await css(card.locator('.flex-hero img'), 'aspectRatio')).toEqual({ aspectRatio: '20 / 13' });
    const title = card.locator('.flex-text', { hasText: '秋の新メニュー' });
    expect(await css(title, 'fontSize', 'color')).toEqual({ fontSize: '22px', color: 'rgb(180, 83, 9)' });
    expect(await card.locator('.flex-separator').count()).toBe(1);
    expect(await card.locator('.flex-button.link').textContent()).toContain('メニューを見る');
    // The form reads the same card: its title, text and button label are fields again.
    expect(await page.inputValue('#cardTitle')).toBe('秋の新メニュー');
    expect(await page.inputValue('#cardButton')).toBe('メニューを見る');
    await page.screenshot({ path: '.local/screenshots/templates-flex.png', fullPage: true });
  });

  it('campaigns: the quota estimate before confirming, then one push per active group, followed live', async () => {
    await page.goto(`${stack.consoleUrl}campaigns`);
    await page.click('form[action="/campaigns/estimate"] button');
    expect(await page.locator('#estimate').textContent()).toMatch(/参加中の 2 グループ/);
    await page.click('#estimate button');
    await page.waitForURL(/\/campaigns\/.+/);
    // The page follows the campaign by itself (htmx): no reload here.
    await page.locator('[data-count="sent"] strong', { hasText: /^2$/ }).waitFor({ timeout: 20_000 });
    for (const groupId of active) {
      expect((await emulator.messages(groupId)).filter((m) => m.via === 'push')).toHaveLength(1);
    }
    expect((await emulator.messages(ejected)).filter((m) => m.via === 'push')).toHaveLength(0);
    await page.screenshot({ path: '.local/screenshots/campaign.png', fullPage: true });
  });

  it('members and reach: who is in a chat (name, friend yes/no/unknown), its reach, chats below a reach', async () => {
    const chat = active[1]!;
    const [alice, bob, carol] = ['Ualice', 'Ubob', 'Ucarol'].map((u) => u.padEnd(33, '0'));
    await emulator.setFriend(alice!, true, 'アリス');
    await emulator.setFriend(bob!, false);
    await simulator.run({
      name: 'member-joined',
      groupId: chat,
      members: [
        { userId: alice!, displayName: 'アリス' },
        { userId: bob!, displayName: 'ボブ' },
      ],
    });
    await emulator.joinChat(chat, carol!, 'キャロル');
    await simulator.run({ name: 'message', groupId: chat, text: 'よろしく', userId: carol! });
    // Names and friendships are read from LINE after the events, not before the webhook's answer.
    const rows = page.locator('#members tbody tr');
    for (let tries = 0; ; tries++) {
      await page.goto(`${stack.consoleUrl}groups/${chat}`);
      const text =
        (await page
          .locator('#members')
          .textContent()
          .catch(() => '')) ?? '';
      if (['アリス', 'ボブ', 'キャロル'].every((n) => text.includes(n)) || tries > 40) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await rows.count()).toBe(3);
    expect(await page.locator('#members tr[data-friend="true"]').textContent()).toContain('アリス');
    expect(await page.locator('#members tr[data-friend="false"]').count()).toBe(2);
    // One friend over LINE's member count (which grew with the joins).
    const reachShown = /1\/(\d+) \((\d+)%\)/.exec((await page.locator('main').textContent()) ?? '');
    expect(Number(reachShown?.[2])).toBe(Math.round(100 / Number(reachShown?.[1])));

    await page.goto(`${stack.consoleUrl}groups?below=50`);
    expect(await page.locator(`tr[data-group="${chat}"] [data-column="reach"]`).textContent()).toContain(
      reachShown?.[0],
    );
    await page.goto(stack.consoleUrl);
    expect(Number(await page.locator('[data-reach="below50"]').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-reach="overall"]').textContent()).toMatch(/^\d+%$/);
    const refused = await fetch(`${stack.consoleUrl}groups?below=abc`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('% で指定してください');
    await page.goto(`${stack.consoleUrl}groups/${chat}`);
    await page.screenshot({ path: '.local/screenshots/members.png', fullPage: true });

    // The friend-add card to the chats below 50%, priced per member before it starts, sent once.
    const cards = async (groupId: string) =>
      (await emulator.messages(groupId)).filter(
        (m) => m.via === 'push' && JSON.stringify(m.messages).includes('line.me/R/ti/p/'),
      ).length;
    await page.goto(`${stack.consoleUrl}campaigns`);
    await page.fill('#friend-card input[name="below"]', '50');
    await page.click('#friend-card button');
    const estimate = ((await page.locator('#estimate').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(estimate).toContain('友だち追加カード');
    expect(estimate).toContain('メンバー 1 人につき 1 通');
    await page.click('#estimate button');
    await page.waitForURL(/\/campaigns\/friend-card-below-50-/);
    for (let tries = 0; (await cards(chat)) === 0 && tries < 40; tries++)
      await new Promise((r) => setTimeout(r, 250));
    expect(await cards(chat)).toBe(1);
    expect(await cards(ejected)).toBe(0);
  });

  it('leave a group: only behind a confirmation, then recorded as left_by_operator', async () => {
    await page.goto(`${stack.consoleUrl}groups/${active[0]}`);
    await page.check('input[name="confirm"]');
    await page.click('form[action$="/leave"] button');
    expect(await page.locator('[role="status"]').textContent()).toContain('left_by_operator');
    await simulator.run({ name: 'leave', groupId: active[0]! });
    await page.goto(`${stack.consoleUrl}groups/${active[0]}`);
    expect(await page.locator('main').textContent()).toContain('運用者が退出させた left_by_operator');
  });

  it('refuses another Host (DNS rebinding) and a POST from another origin; no secret on any page', async () => {
    const { port } = new URL(stack.consoleUrl);
    const call = (method: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/coupons/group-coupon', method, headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(method === 'POST' ? 'couponId=' : undefined);
      });
    expect(await call('GET', { host: `attacker.example:${port}` })).toBe(421);
    expect(
      await call('POST', {
        host: `127.0.0.1:${port}`,
        origin: 'http://attacker.example',
        'content-type': 'application/x-www-form-urlencoded',
      }),
    ).toBe(403);
    expect(
      await call('POST', { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' }),
    ).toBe(403);
    for (const path of ['', 'groups', 'coupons', 'templates', 'campaigns']) {
      const html = await (await fetch(`${stack.consoleUrl}${path}`)).text();
      expect(html).not.toContain('local-channel-secret');
      expect(html).not.toContain('local-channel-access-token');
    }
  });
});
