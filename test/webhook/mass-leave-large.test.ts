import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Group } from '../../lambda/domain/group';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { propertyRuns } from '../support/generators';
import { startHarness, type Harness } from '../support/webhook-harness';

/**
 * The setting turned off in a large account: thousands of chats leave at once. The alarm is
 * counted first, and every chat is re-marked `mass_leave` (50 to a transaction, a few at once),
 * within the processor's time.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** `count` chats the OA joined two hours ago, written straight to the registry with their count. */
async function seedActiveChats(count: number, joinedAt: string): Promise<string[]> {
  const groups: (Group & { version: number })[] = Array.from({ length: count }, () => ({
    groupId: newGroupId(),
    chatType: 'group',
    firstSeenAt: joinedAt,
    joinedAt,
    joinCount: 1,
    status: 'active',
    statusChangedAt: joinedAt,
    memberCount: 3,
    version: 1,
  }));
  const chunks: (typeof groups)[] = [];
  for (let i = 0; i < groups.length; i += 25) chunks.push(groups.slice(i, i + 25));
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        let items = chunk.map((Item) => ({ PutRequest: { Item } }));
        while (items.length > 0) {
          const { UnprocessedItems } = await h.documents.send(
            new BatchWriteCommand({ RequestItems: { [h.tables.groups]: items } }),
          );
          items = (UnprocessedItems?.[h.tables.groups] ?? []) as typeof items;
        }
      }
    }),
  );
  await h.documents.send(
    new UpdateCommand({
      TableName: h.tables.registryStats,
      Key: { statKey: 'status' },
      UpdateExpression: 'ADD active :n',
      ExpressionAttributeValues: { ':n': count },
    }),
  );
  for (const g of groups)
    h.line.state.chats.set(g.groupId, { chatType: 'group', groupName: 'g', memberCount: 3, isMember: true });
  return groups.map((g) => g.groupId);
}

describe('a mass leave of thousands of chats', () => {
  const chats = propertyRuns(200, 5000);
  it(`${chats} chats leaving within a minute: announced once, first; every one left / mass_leave`, async () => {
    const t = Date.now();
    const ids = await seedActiveChats(chats, new Date(t - 2 * 3_600_000).toISOString());
    const leaves = ids.map((id, i) =>
      webhookEvents.leave(id, { timestamp: t + Math.floor((i * 50_000) / chats) }),
    );
    const started = Date.now();
    for (let i = 0; i < leaves.length; i += 100) await h.post(leaves.slice(i, i + 100), { settle: false });
    await h.processing.drain();
    const seconds = (Date.now() - started) / 1000;

    expect(h.recorder.metric('massLeaves')).toBe(1);
    const warning = h.recorder.lines.findIndex((l) => l.message.startsWith('mass leave:'));
    expect(warning).toBeGreaterThanOrEqual(0);
    const reasons = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 100) {
      for (const { group } of await h.runtime.processing.registry.loadMany(ids.slice(i, i + 100))) {
        const key = `${group.status}/${group.leaveReason}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(reasons)).toEqual({ 'left/mass_leave': chats });
    expect(await h.runtime.processing.stats.statusCounts()).toEqual({ active: 0, left: chats, ejected: 0 });
    // What a reader of the figures wants to know: how long processing took here.
    process.stdout.write(
      `mass leave of ${chats} chats processed in ${seconds.toFixed(1)} s on DynamoDB Local\n`,
    );
  }, 600_000);
});
