import { enrichDueGroups } from '../../lambda/app/enrich-groups';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

/** The enricher: a chat's name and size read from LINE after the answer, with back-off. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const SECOND = 1000;
const failLookups = (groupId: string, status: number, count: number, delayMs?: number) => {
  for (const path of ['summary', 'members/count'])
    h.line.state.faults.push({
      match: `/v2/bot/group/${groupId}/${path}`,
      status,
      count,
      ...(delayMs && { delayMs }),
    });
};
/** One sweep as the schedule runs it at `at`. */
const sweepAt = (at: number) =>
  enrichDueGroups(h.config.enrichmentTimeoutMs, {
    ...h.runtime.enrichment,
    clock: { now: () => new Date(at) },
  });
const load = async (groupId: string) => (await h.registry.load(groupId))!.group;

describe('the enricher', () => {
  it('backs off 30 s, 60 s, 120 s… at most an hour, and gives up (counted, warned) a day after it was first asked', async () => {
    const groupId = newGroupId();
    failLookups(groupId, 500, 1000);
    const joinedAt = Date.now();
    await h.post([webhookEvents.join(groupId, { timestamp: joinedAt })]);
    const first = await load(groupId);
    expect(first).toMatchObject({ enrichment: 'due', enrichmentAttempts: 1 });
    const since = Date.parse(first.enrichmentSince!);

    const delays: number[] = [];
    let now = Date.parse(first.enrichmentDueAt!);
    for (let i = 0; i < 9; i++) {
      const before = await load(groupId);
      expect(await sweepAt(now)).toMatchObject({ retrying: 1 });
      const after = await load(groupId);
      expect(after.enrichmentAttempts).toBe(before.enrichmentAttempts! + 1);
      delays.push((Date.parse(after.enrichmentDueAt!) - now) / SECOND);
      // Nothing is due before its time.
      expect(await sweepAt(Date.parse(after.enrichmentDueAt!) - 1)).toEqual({
        enriched: 0,
        retrying: 0,
        abandoned: 0,
      });
      now = Date.parse(after.enrichmentDueAt!);
    }
    expect(delays).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);

    const abandonedBefore = h.recorder.metric('enrichmentsAbandoned');
    expect(await sweepAt(since + 24 * 3_600_000)).toMatchObject({ abandoned: 1 });
    expect(h.recorder.metric('enrichmentsAbandoned')).toBe(abandonedBefore + 1);
    expect(await load(groupId)).toMatchObject({ status: 'active' });
    expect((await load(groupId)).enrichment).toBeUndefined();
    expect(
      h.recorder.lines.some(
        (l) => l.message === 'gave up reading the chat from LINE' && l.extra[0]?.groupId === groupId,
      ),
    ).toBe(true);
  }, 60_000);

  it('"not a member" read for a join is not given to a rejoin saved while LINE was being asked', async () => {
    const groupId = newGroupId();
    const t = Date.now();
    failLookups(groupId, 500, 1); // the first join's read fails: the sweep owes it
    await h.post([webhookEvents.join(groupId, { timestamp: t - 60 * SECOND })]);
    expect((await load(groupId)).enrichment).toBe('due');

    // The sweep's read answers "not a member", slowly; meanwhile the OA leaves and is invited again.
    failLookups(groupId, 404, 1, 3000);
    failLookups(groupId, 500, 1); // the rejoin's own read fails too: its read stays owed
    const sweep = sweepAt(Date.now() + 3_600_000);
    await new Promise((r) => setTimeout(r, 300));
    await h.post([webhookEvents.message(groupId, 'hi', { timestamp: t - 30 * SECOND })]);
    await h.post([webhookEvents.leave(groupId, { timestamp: t - 10 * SECOND })]);
    await h.post([webhookEvents.join(groupId, { timestamp: t })]);
    await sweep;

    const group = await load(groupId);
    expect(group).toMatchObject({ status: 'active', joinedAt: new Date(t).toISOString(), enrichment: 'due' });
    expect(group.leaveReason).toBeUndefined();
  }, 30_000);
});
