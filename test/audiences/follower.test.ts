import { DynamoDbAudienceStore } from '../../lambda/adapters/dynamodb/audience-store';
import { DynamoDbFriendshipStore } from '../../lambda/adapters/dynamodb/friendship-store';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { createAudience } from '../../lambda/app/audiences/manage-audiences';
import { advanceDueNarrowcasts, startNarrowcast } from '../../lambda/app/narrowcast/run-narrowcast';
import type { StoredMember } from '../../lambda/app/ports';
import { isFinished } from '../../lambda/domain/narrowcast';
import { audiencesCommand } from '../../lib/cli/audiences';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { runningCoupon } from '../support/campaign-fixtures';
import { startHarness, type Harness } from '../support/webhook-harness';
import {
  audienceApi,
  audienceUsers,
  cliJson,
  control,
  follows,
  narrowcastDeps,
  narrowcastsOf,
  restore,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { audiences: { readySeconds: 1, narrowcastPhaseMs: 100 } });
});
afterAll(() => h.close());

describe("the AWS follower's step (advanceDueNarrowcasts), on the sparse index of due narrowcasts", () => {
  it('takes each due campaign one step until LINE says succeeded; finished ones leave the index', async () => {
    const friend = newUserId();
    await control(h, 'PUT', `/emulator/friends/${friend}`, { friend: true });
    const tag = (await control(h, 'POST', '/emulator/audiences', {
      description: 't',
      userIds: [friend],
    })) as {
      audienceGroupId: number;
    };
    const upload = await audienceApi(h).createAudience('u', [friend]);
    const couponId = await runningCoupon(h);
    const deps = narrowcastDeps(h);
    const messages = [{ type: 'coupon', couponId }];
    await startNarrowcast({ campaignId: 'follow-tag', audienceGroupId: tag.audienceGroupId, messages }, deps);
    await startNarrowcast(
      { campaignId: 'follow-upload', audienceGroupId: upload.audienceGroupId, messages },
      deps,
    );
    expect((await deps.store.due(new Date())).map((c) => c.campaignId).sort()).toEqual([
      'follow-tag',
      'follow-upload',
    ]);
    // Not due before its time: a check an hour ahead is not listed now.
    await deps.store.update('follow-upload', { nextCheckAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await deps.store.due(new Date())).map((c) => c.campaignId)).toEqual(['follow-tag']);
    await deps.store.update('follow-upload', { nextCheckAt: new Date().toISOString() });

    const deadline = Date.now() + 20_000;
    for (;;) {
      await advanceDueNarrowcasts(deps);
      const [a, b] = [await deps.store.get('follow-tag'), await deps.store.get('follow-upload')];
      if ((a && isFinished(a.status) && b && isFinished(b.status)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await deps.store.get('follow-tag')).toMatchObject({
      status: 'succeeded',
      targetCount: 1,
      successCount: 1,
    });
    expect(await deps.store.get('follow-upload')).toMatchObject({ status: 'succeeded', targetCount: 1 });
    expect(await deps.store.due(new Date(Date.now() + 86_400_000))).toEqual([]);
    expect(await narrowcastsOf(h, tag.audienceGroupId)).toHaveLength(1);
    expect(await narrowcastsOf(h, upload.audienceGroupId)).toHaveLength(1);
    // The index key never shows as part of a campaign.
    expect(Object.keys((await deps.store.get('follow-tag'))!)).not.toContain('followDue');
  }, 30_000);
});

describe('audiences at size and by reach', () => {
  it('more than 10,000 present members go up in requests of at most 10,000 (one create, then adds)', async () => {
    const groupId = newGroupId();
    const userIds = Array.from({ length: 10_001 }, newUserId);
    const at = new Date(Date.now() - 60_000).toISOString();
    const stored: StoredMember[] = userIds.map((userId) => ({
      member: {
        groupId,
        userId,
        status: 'present',
        firstSeenAt: at,
        lastSeenAt: at,
        presentAt: at,
        source: 'sync',
      },
      counted: { present: true, friend: false },
      version: 1,
    }));
    // The members of one big chat as the store lists them (writing 10,001 items would only slow the test).
    const members = { ofChat: () => Promise.resolve(stored), lowestReach: () => Promise.resolve([]) };
    const created = await createAudience(
      { name: 'big', source: { groups: [groupId] }, friendsOnly: false },
      {
        line: audienceApi(h),
        store: new DynamoDbAudienceStore(h.documents, h.tables.audiences),
        members,
        friendships: new DynamoDbFriendshipStore({
          client: h.documents,
          tableName: h.tables.friendships,
          retentionDays: 180,
        }),
        now: () => new Date(),
      },
    );
    expect(created).toMatchObject({ userCount: 10_001 });
    const uploads = h.line.state.requests.filter((r) => r.path === '/v2/bot/audienceGroup/upload');
    const sizes = uploads.slice(-2).map((r) => [r.method, (r.body.audiences as unknown[]).length]);
    expect(sizes).toEqual([
      ['POST', 10_000],
      ['PUT', 1],
    ]);
    expect((await audienceUsers(h, created.audienceGroupId))?.length).toBe(10_001);
  }, 60_000);

  it("LINE's 60 creations a minute: the emulator answers 429 past it; a 429 with Retry-After is waited out, the audience made once", async () => {
    const options = h.line.state.audiences.options;
    const saved = { ...options };
    try {
      Object.assign(options, { uploadsPerMinute: 1 });
      h.line.state.audiences.uploadTimes.length = 0;
      const api = audienceApi(h);
      await api.createAudience('first', [newUserId()]);
      await expect(api.createAudience('second', [newUserId()])).rejects.toMatchObject({ status: 429 });
    } finally {
      restore(options, saved);
      h.line.state.audiences.uploadTimes.length = 0;
    }
    const groupId = newGroupId();
    const member = newUserId();
    await h.post([webhookEvents.join(groupId, { timestamp: Date.now() - 7_200_000 })]);
    await h.post([webhookEvents.memberJoined(groupId, [member], { timestamp: Date.now() - 1000 })]);
    h.line.state.faults.push({
      match: 'POST /v2/bot/audienceGroup/upload',
      status: 429,
      retryAfterSeconds: 1,
      count: 1,
    });
    const before = h.line.state.audiences.byId.size;
    const started = Date.now();
    const created = await cliJson(h, audiencesCommand, [
      'create',
      '--name',
      'after 429',
      '--groups',
      groupId,
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(h.line.state.audiences.byId.size).toBe(before + 1);
    expect(await audienceUsers(h, created.audienceGroupId as number)).toEqual([member]);
  }, 30_000);

  it('--below-reach takes the active chats whose reach is under the share', async () => {
    const [low, high] = [newGroupId(), newGroupId()];
    const [friendLow, otherLow, friendHigh] = [newUserId(), newUserId(), newUserId()];
    await control(h, 'PUT', `/emulator/chats/${low}`, { memberCount: 10 });
    await control(h, 'PUT', `/emulator/chats/${high}`, { memberCount: 1 });
    const t = Date.now();
    await h.post([
      webhookEvents.join(low, { timestamp: t - 7_200_000 }),
      webhookEvents.join(high, { timestamp: t - 7_200_000 }),
    ]);
    await h.processing.sweep(); // LINE's member counts
    await h.post([
      webhookEvents.memberJoined(low, [friendLow, otherLow], { timestamp: t - 3_600_000 }),
      webhookEvents.memberJoined(high, [friendHigh], { timestamp: t - 3_600_000 }),
    ]);
    await follows(h, friendLow, true);
    await follows(h, friendHigh, true);
    const reach = new DynamoDbMemberStore({ client: h.documents, tables: h.tables, retentionDays: 180 });
    expect((await reach.reach(low))?.reach.reach).toBe(0.1);
    expect((await reach.reach(high))?.reach.reach).toBe(1);
    const created = await cliJson(h, audiencesCommand, [
      'create',
      '--name',
      'low reach',
      '--below-reach',
      '0.5',
    ]);
    const users = await audienceUsers(h, created.audienceGroupId as number);
    expect(users).toEqual(expect.arrayContaining([friendLow, otherLow]));
    expect(users).not.toContain(friendHigh);
  }, 30_000);
});
