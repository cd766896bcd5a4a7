import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { audiencesCommand } from '../../lib/cli/audiences';
import { campaignCommand } from '../../lib/cli/campaign';
import { membersCommand } from '../../lib/cli/members';
import { UsageError } from '../../lib/cli/usage-error';
import { newGroupId, newUserId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { runningCoupon } from '../support/campaign-fixtures';
import { startHarness, type Harness } from '../support/webhook-harness';
import { audienceUsers, cli, cliJson, control, follows, narrowcastsOf } from './support';

/** Audiences from the members of chats, and narrowcasts to them, as a new user tries them. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { audiences: { readySeconds: 2, narrowcastPhaseMs: 200 } });
});
afterAll(() => h.close());

const hour = 3_600_000;

describe('audiences create --groups A,B --friends-only, then a narrowcast campaign to it', () => {
  it('uploads exactly the present friends of A and B; the campaign waits for READY, narrowcasts once with the coupon, ends succeeded with LINE counts', async () => {
    const [a, b] = [newGroupId(), newGroupId()];
    const [friendA, friendB, friendBoth, notFriend, leftFriend, neverFollowed, blocked] = Array.from(
      { length: 7 },
      newUserId,
    );
    const t = Date.now();
    await h.post([
      webhookEvents.join(a, { timestamp: t - 2 * hour }),
      webhookEvents.join(b, { timestamp: t - 2 * hour }),
    ]);
    await h.post([
      webhookEvents.memberJoined(a, [friendA!, notFriend!, leftFriend!, friendBoth!, blocked!], {
        timestamp: t - hour,
      }),
      webhookEvents.memberJoined(b, [friendB!, friendBoth!, neverFollowed!], { timestamp: t - hour }),
    ]);
    for (const user of [friendA!, friendB!, friendBoth!, leftFriend!, blocked!]) await follows(h, user, true);
    await follows(h, blocked!, false);
    await h.post([webhookEvents.memberLeft(a, [leftFriend!], { timestamp: t - 60_000 })]);
    await h.processing.sweep(); // LINE's friendship checks for those never seen following

    const created = await cliJson(h, audiencesCommand, [
      'create',
      '--name',
      '常連さん',
      '--groups',
      `${a},${b}`,
      '--friends-only',
    ]);
    expect(Object.keys(created).sort()).toEqual(['audienceGroupId', 'status', 'userCount']);
    expect(created).toMatchObject({ status: 'IN_PROGRESS', userCount: 3 });
    const audienceGroupId = created.audienceGroupId as number;
    expect((await audienceUsers(h, audienceGroupId))?.sort()).toEqual([friendA, friendB, friendBoth].sort());

    const listed = (await cliJson(h, audiencesCommand, ['list'])).audiences as Record<string, unknown>[];
    const mine = listed.find((x) => x.audienceGroupId === audienceGroupId);
    expect(mine).toEqual({
      audienceGroupId,
      description: '常連さん',
      type: 'UPLOAD',
      status: 'IN_PROGRESS',
      audienceCount: 3,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      origin: 'line-groups',
    });

    const couponId = await runningCoupon(h);
    const startedAt = Date.now();
    const result = await cliJson(h, campaignCommand, [
      'start',
      '--audience',
      String(audienceGroupId),
      '--coupon',
      couponId,
    ]);
    expect(result).toEqual({
      campaignId: expect.any(String) as string,
      kind: 'narrowcast',
      status: 'succeeded',
      requestId: expect.any(String) as string,
      targetCount: 3,
      successCount: 3,
      failureCount: 0,
    });
    // It waited: READY 2 s after the upload, and nothing was sent before.
    const narrowcasts = await narrowcastsOf(h, audienceGroupId);
    expect(narrowcasts).toHaveLength(1);
    expect(narrowcasts[0]!.requestId).toBe(result.requestId);
    expect(narrowcasts[0]!.messages).toEqual([{ type: 'coupon', couponId }]);
    expect(narrowcasts[0]!.recipients.sort()).toEqual([friendA, friendB, friendBoth].sort());
    const asks = h.line.state.requests.filter((r) => r.path === '/v2/bot/message/narrowcast');
    expect(asks).toHaveLength(1);
    expect(asks[0]!.body).toMatchObject({ limit: { upToRemainingQuota: true } });
    expect(Date.now() - startedAt).toBeGreaterThan(500);
    expect(
      h.line.state.requests.filter((r) => r.path === `/v2/bot/audienceGroup/${audienceGroupId}`).length,
    ).toBeGreaterThan(1);

    const status = await cliJson(h, campaignCommand, ['status', result.campaignId as string]);
    expect(status).toEqual(result);
    // Started again: the same campaign, already done; nothing more is sent.
    const again = await cliJson(h, campaignCommand, [
      'start',
      '--audience',
      String(audienceGroupId),
      '--coupon',
      couponId,
    ]);
    expect(again).toEqual(result);
    expect(await narrowcastsOf(h, audienceGroupId)).toHaveLength(1);
  }, 60_000);

  it('a chat-tag audience made in OA Manager is listed with origin "line" and receives a narrowcast; the estimate says the whole audience is reserved', async () => {
    const [friend, stranger] = [newUserId(), newUserId()];
    await control(h, 'PUT', `/emulator/friends/${friend}`, { friend: true });
    const tag = (await control(h, 'POST', '/emulator/audiences', {
      description: '来店客',
      userIds: [friend, stranger],
    })) as { audienceGroupId: number };
    const listed = (await cliJson(h, audiencesCommand, ['list'])).audiences as Record<string, unknown>[];
    expect(listed.find((x) => x.audienceGroupId === tag.audienceGroupId)).toMatchObject({
      type: 'CHAT_TAG',
      status: 'READY',
      audienceCount: 2,
      origin: 'line',
    });
    const couponId = await runningCoupon(h);
    const run = await cli(h, campaignCommand, [
      'start',
      '--audience',
      String(tag.audienceGroupId),
      '--coupon',
      couponId,
    ]);
    expect(run.code).toBe(0);
    expect(run.text).toContain(
      `audience ${tag.audienceGroupId} "来店客" (CHAT_TAG, READY): LINE reserves the whole audience, 2 message(s), from the monthly quota before sending`,
    );
    expect(run.text).toContain('succeeded');
    expect(run.text).toContain('target 1, success 1, failure 0');
    const [sent] = await narrowcastsOf(h, tag.audienceGroupId);
    expect(sent?.recipients).toEqual([friend]);
  }, 30_000);

  it('--message sends a template by name before the coupon', async () => {
    const friend = newUserId();
    await control(h, 'PUT', `/emulator/friends/${friend}`, { friend: true });
    const tag = (await control(h, 'POST', '/emulator/audiences', {
      description: 'card',
      userIds: [friend],
    })) as {
      audienceGroupId: number;
    };
    const couponId = await runningCoupon(h);
    const result = await cliJson(h, campaignCommand, [
      'start',
      '--audience',
      String(tag.audienceGroupId),
      '--message',
      'friendCard',
      '--coupon',
      couponId,
    ]);
    expect(result).toMatchObject({ status: 'succeeded', successCount: 1 });
    const [sent] = await narrowcastsOf(h, tag.audienceGroupId);
    expect(sent?.messages.map((m) => m.type)).toEqual(['flex', 'coupon']);
    await expect(
      cli(h, campaignCommand, ['start', '--audience', String(tag.audienceGroupId), '--message', 'nope']),
    ).rejects.toThrow('no template "nope"');
  }, 30_000);

  it('refresh adds only the members who joined since; again, nothing', async () => {
    const group = newGroupId();
    const [first, later] = [newUserId(), newUserId()];
    await h.post([webhookEvents.join(group, { timestamp: Date.now() - hour })]);
    await h.post([webhookEvents.memberJoined(group, [first!], { timestamp: Date.now() - 1000 })]);
    const created = await cliJson(h, audiencesCommand, [
      'create',
      '--name',
      'all of them',
      '--groups',
      group,
    ]);
    expect(created).toMatchObject({ userCount: 1 });
    const id = created.audienceGroupId as number;
    await h.post([webhookEvents.memberJoined(group, [later!], { timestamp: Date.now() })]);
    expect(await cliJson(h, audiencesCommand, ['refresh', String(id)])).toMatchObject({
      audienceGroupId: id,
      added: 1,
      userCount: 2,
    });
    expect((await audienceUsers(h, id))?.sort()).toEqual([first, later].sort());
    expect(await cliJson(h, audiencesCommand, ['refresh', String(id)])).toMatchObject({
      added: 0,
      userCount: 2,
    });
  });

  it('the audiences table keeps no user id: only how each audience was chosen', async () => {
    const { Items = [] } = await h.documents.send(new ScanCommand({ TableName: h.tables.audiences }));
    expect(Items.length).toBeGreaterThan(0);
    for (const item of Items) {
      expect(Object.keys(item).sort()).toEqual(
        [
          'audienceGroupId',
          'createdAt',
          'description',
          'friendsOnly',
          'source',
          'uploadedUntil',
          'userCount',
        ].sort(),
      );
      expect(JSON.stringify(item)).not.toMatch(/U[0-9a-f]{32}/);
    }
  });

  it('members export names the audiences a person may have been uploaded to; forget has nothing here to delete', async () => {
    const [group, elsewhere] = [newGroupId(), newGroupId()];
    const [person, other] = [newUserId(), newUserId()];
    await h.post([
      webhookEvents.join(group, { timestamp: Date.now() - hour }),
      webhookEvents.join(elsewhere, { timestamp: Date.now() - hour }),
    ]);
    await h.post([
      webhookEvents.memberJoined(group, [person], { timestamp: Date.now() - 1000 }),
      webhookEvents.memberJoined(elsewhere, [other], { timestamp: Date.now() - 1000 }),
    ]);
    const mine = await cliJson(h, audiencesCommand, ['create', '--name', 'with them', '--groups', group]);
    const notMine = await cliJson(h, audiencesCommand, [
      'create',
      '--name',
      'without',
      '--groups',
      elsewhere,
    ]);
    const exported = (await cliJson(h, membersCommand, ['export', person])).held as Record<string, unknown[]>;
    const ids = (exported.audiences as { audienceGroupId: number }[]).map((a) => a.audienceGroupId);
    expect(ids).toContain(mine.audienceGroupId);
    expect(ids).not.toContain(notMine.audienceGroupId);
    const forgotten = (await cliJson(h, membersCommand, ['forget', person])).deleted as Record<
      string,
      number
    >;
    expect(forgotten.audiences).toBe(0);
    expect(forgotten.members).toBe(1);
  });

  it('bad input is a usage error that names the problem, and nothing is uploaded', async () => {
    const before = h.line.state.audiences.byId.size;
    const group = newGroupId();
    for (const argv of [
      ['create', '--groups', group],
      ['create', '--name', 'x'],
      ['create', '--name', 'x', '--groups', group, '--below-reach', '0.5'],
      ['create', '--name', 'x', '--groups', 'not-a-chat'],
      ['create', '--name', 'x', '--below-reach', '2'],
      ['create', '--name', 'x'.repeat(121), '--groups', group],
      ['create', '--name', 'nobody', '--groups', group],
      ['refresh', 'abc'],
      ['refresh', '123'],
      ['nonsense'],
    ]) {
      await expect(cli(h, audiencesCommand, argv)).rejects.toThrow(UsageError);
    }
    expect(h.line.state.audiences.byId.size).toBe(before);
    await expect(cli(h, campaignCommand, ['start', '--audience', '999', '--coupon', 'c'])).rejects.toThrow(
      'LINE has no audience 999',
    );
  });
});
