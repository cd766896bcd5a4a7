import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import { consoleDeps } from '../../lib/console/deps';
import { type ConsoleServer, startConsole } from '../../lib/console/server';
import { freePort } from '../../lib/local/ports';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { browser as browserPrerequisite, launchBrowser } from '../support/browser';
import { describeNeeding } from '../support/prerequisites';
import { startHarness, type Harness } from '../support/webhook-harness';

// The console's attendance pages in a real browser, served as `npm start` serves them, on DynamoDB
// Local and the LINE emulator: turning it on, the month's table, approving a correction, the CSV.
const describeBrowser = describeNeeding(browserPrerequisite);

describeBrowser('console: attendance', () => {
  let h: Harness;
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  const groupId = newGroupId();
  const [yamada, sato, suzuki] = [newUserId(), newUserId(), newUserId()];
  const jst = (local: string) => Date.parse(`${local.replace(' ', 'T')}:00+09:00`);
  const say = (text: string, userId: string, local: string) =>
    webhookEvents.message(groupId, text, { userId, timestamp: jst(local) });

  beforeAll(async () => {
    h = await startHarness();
    for (const [userId, displayName] of [
      [yamada, '山田'],
      [sato, '佐藤'],
      [suzuki, '<b>鈴木</b>'],
    ] as const)
      await fetch(`${h.line.url}/emulator/chats/${groupId}/members/${userId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName }),
      });
    await h.post([webhookEvents.join(groupId)]);
    server = await startConsole(
      consoleDeps({ client: h.documents, tables: h.tables, line: h.couponDeps.line, log: () => {} }),
      await freePort(),
    );
    browser = await launchBrowser();
    page = await browser.newPage({ acceptDownloads: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('the group page turns attendance on; until then 出勤 is ignored', async () => {
    await h.post([say('出勤', yamada, '2026-11-23 09:00')]);
    await page.goto(`${server.url}groups/${groupId}`);
    expect(await page.locator('[data-attendance]').getAttribute('data-attendance')).toBe('off');
    await page.fill('input[name="timeZone"]', 'Asia/Tokyo');
    await page.fill('input[name="dayStarts"]', '05:00');
    await page.click('#attendance button');
    expect(await page.locator('[role="status"]').textContent()).toContain('勤怠をオンにしました');
    expect(await page.locator('[data-attendance]').getAttribute('data-attendance')).toBe('on');
    const store = new DynamoDbAttendanceStore({
      client: h.documents,
      tables: h.tables,
      retentionDays: 1,
    });
    expect(await store.settings(groupId)).toMatchObject({ enabled: true, timeZone: 'Asia/Tokyo' });
    expect(await store.punchesBetween(groupId, '2000', '2100')).toEqual([]);
  });

  it('a bad time zone is refused on the page and changes nothing', async () => {
    const other = newGroupId();
    await h.post([webhookEvents.join(other)]);
    await page.goto(`${server.url}groups/${other}`);
    await page.fill('input[name="timeZone"]', 'Mars/Olympus');
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.click('#attendance button');
    expect((await answer).status()).toBe(400);
    expect(await page.locator('[role="alert"]').textContent()).toContain('IANA time zone');
    expect(await page.locator('[data-attendance]').getAttribute('data-attendance')).toBe('off');
  });

  it('the month table, a correction approved on the page, and the CSV with the same numbers', async () => {
    await h.post([
      say('出勤', yamada, '2026-11-24 22:00'),
      say('休憩', yamada, '2026-11-25 01:00'),
      say('戻り', yamada, '2026-11-25 01:45'),
      say('退勤', yamada, '2026-11-25 06:00'),
      say('出勤', sato, '2026-11-25 09:00'),
      say('出勤', suzuki, '2026-11-26 09:00'),
      say('退勤', suzuki, '2026-11-26 15:00'),
    ]);
    await h.post([say('修正 退勤 17:30', sato, '2026-11-25 20:00')]);
    await page.goto(`${server.url}attendance/${groupId}?month=2026-11`);
    const row = (userId: string, date: string) =>
      page.locator(`tr[data-member="${userId}"][data-date="${date}"]`);
    expect(await row(yamada, '2026-11-24').locator('[data-worked]').getAttribute('data-worked')).toBe('435');
    expect(await row(sato, '2026-11-25').locator('[data-worked]').getAttribute('data-worked')).toBe('');
    // A name that is markup shows as text.
    expect(await page.locator(`h2[data-member="${suzuki}"]`).textContent()).toContain('<b>鈴木</b>');
    await page.screenshot({ path: '.local/screenshots/attendance-before.png', fullPage: true });

    await row(sato, '2026-11-25').locator('button[value="approved"]').click();
    expect(await page.locator('[role="status"]').textContent()).toContain('を承認しました');
    const corrected = row(sato, '2026-11-25');
    expect(await corrected.locator('[data-worked]').getAttribute('data-worked')).toBe('510');
    expect(await corrected.textContent()).toContain('corrected');
    expect(await corrected.textContent()).toContain('console');
    // The clocked time stays visible beside the approved one.
    expect(await corrected.locator('s').count()).toBe(1);
    // README's picture: the page down to the member whose name is markup.
    const below = await page.locator(`h2[data-member="${suzuki}"]`).boundingBox();
    await page.screenshot({
      path: '.local/screenshots/attendance-month.png',
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: Math.ceil(below?.y ?? 720) - 8 },
    });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const rows = csv
      .slice(1)
      .trim()
      .split('\r\n')
      .map((r) => r.split(','));
    expect(rows.find((r) => r[0] === '2026-11-24' && r[1] === yamada)?.slice(5, 7)).toEqual(['45', '435']);
    expect(rows.find((r) => r[0] === '2026-11-25' && r[1] === sato)?.slice(6, 8)).toEqual([
      '510',
      'corrected',
    ]);
    expect(rows.find((r) => r[0] === 'total' && r[1] === sato)?.slice(6)).toEqual(['510', '', '1']);
  });
});
