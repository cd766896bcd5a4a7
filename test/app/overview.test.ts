import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { registryOverview } from '../../lambda/app/overview';
import { japanDay } from '../../lambda/domain/group';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

// The operators' overview and group pages read counters and index pages, never every chat.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const overview = (now = new Date()) =>
  registryOverview(
    {
      stats: h.runtime.processing.stats,
      directory: h.registry,
      campaigns: new DynamoDbCampaignStore(h.documents, h.tables),
    },
    now,
  );

describe('overview', () => {
  it('counts per status and joins, leaves and ejections per day, kept as events are processed; a leave read again as an ejection moves its count', async () => {
    const t = Date.now();
    const [a, b, d] = [newGroupId(), newGroupId(), newGroupId()];
    await h.post([
      webhookEvents.join(a, { timestamp: t - 300_000 }),
      webhookEvents.join(b, { timestamp: t - 300_000 }),
    ]);
    await h.post([webhookEvents.leave(a, { timestamp: t })]); // a removal
    await h.post([webhookEvents.leave(d, { timestamp: t - 1000 })]); // a leave first...
    await h.post([webhookEvents.join(d, { timestamp: t - 2000 })]); // ...whose join shows an ejection

    const view = await overview(new Date(t));
    expect(view.counts).toEqual({ active: 1, left: 1, ejected: 1 });
    expect(view.days).toHaveLength(30);
    expect(view.days.at(-1)?.day).toBe(japanDay(new Date(t).toISOString()));
    const total = (kind: 'joins' | 'leaves' | 'ejections') => view.days.reduce((n, day) => n + day[kind], 0);
    // Every join event counts, d's too (its leave came first: it never turned the chat active).
    expect([total('joins'), total('leaves'), total('ejections')]).toEqual([3, 1, 1]);
    expect(view.latestEjections.map((g) => g.groupId)).toEqual([d]);
    expect(view.runningCampaigns).toEqual([]);
  });
});

describe('a page of groups', () => {
  it('pages through byStatus with a cursor, and finds chats by name', async () => {
    const ids = Array.from({ length: 7 }, () => newGroupId());
    ids.forEach((id, i) =>
      h.line.state.chats.set(id, {
        chatType: 'group',
        groupName: `ページ店 ${i}`,
        memberCount: 3,
        isMember: true,
      }),
    );
    const t = Date.now();
    await h.post(ids.map((id, i) => webhookEvents.join(id, { timestamp: t + i })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.registry.page('active', { limit: 3, q: 'ページ店', ...(cursor && { cursor }) });
      expect(page.groups.length).toBeLessThanOrEqual(3);
      seen.push(...page.groups.map((g) => g.groupId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse()); // newest first, each once
    const found = await h.registry.page('active', { limit: 10, q: 'ページ店 5' });
    expect(found.groups.map((g) => g.groupName)).toEqual(['ページ店 5']);
  });
});
