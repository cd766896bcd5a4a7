import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCountingProxy } from '../../lib/bench/counting-proxy';
import { groupsCommand, parseSince, UsageError } from '../../lib/cli/groups';
import { newGroupId, webhookEvents } from '../../lib/local/simulator/webhook-events';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let env: NodeJS.ProcessEnv;
const ejected = newGroupId();
const active = newGroupId();
let lastActivityAt: string;

beforeAll(async () => {
  h = await startHarness();
  env = { ...h.cliEnv };
  const now = Date.now();
  h.line.state.chats.set(active, { chatType: 'group', groupName: '池袋店', memberCount: 8, isMember: true });
  await h.post([
    webhookEvents.join(ejected, { timestamp: now - 5000 }),
    webhookEvents.join(active, { timestamp: now - 5000 }),
  ]);
  await h.post([webhookEvents.leave(ejected, { timestamp: now - 4000 })]);
  await h.post([webhookEvents.message(active, 'おはようございます', { timestamp: now - 3000 })]);
  lastActivityAt = new Date(now - 3000).toISOString();
});
afterAll(() => h.close());

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await groupsCommand(argv, (text) => out.push(text), env);
  return { code, text: out.join('\n') };
}

describe('npm run groups', () => {
  it('list --json prints only the chats with that status, as JSON', async () => {
    const { code, text } = await run('list', '--status', 'ejected', '--json');
    expect(code).toBe(0);
    const groups = JSON.parse(text) as { groupId: string; leaveReason: string }[];
    expect(groups).toEqual([
      expect.objectContaining({ groupId: ejected, leaveReason: 'second_official_account' }),
    ]);
  });

  it('list shows when each chat was last active, read for the listed chats in one BatchGetItem', async () => {
    // byStatus leaves lastActivityAt out (it changes with every message); the list reads it after.
    const proxy = await startCountingProxy(testDynamoDbEndpoint());
    try {
      const out: string[] = [];
      await groupsCommand(['list', '--status', 'active', '--json'], (t) => out.push(t), {
        ...env,
        DYNAMODB_ENDPOINT: proxy.endpoint,
      });
      expect(JSON.parse(out.join('\n'))).toEqual([
        expect.objectContaining({ groupId: active, lastActivityAt }),
      ]);
      expect(proxy.total()).toBe(2); // the index Query and one BatchGetItem
    } finally {
      await proxy.close();
    }
    const { text } = await run('list', '--status', 'active');
    expect(text.split('\n')[0]).toMatch(/\slastActivityAt$/);
    expect(text).toContain(lastActivityAt);
  });

  it('list --since 1h includes recent changes; a future --since excludes them', async () => {
    expect(
      JSON.parse((await run('list', '--status', 'active', '--since', '1h', '--json')).text),
    ).toHaveLength(1);
    expect(
      JSON.parse((await run('list', '--status', 'active', '--since', '2999-01-01T00:00:00Z', '--json')).text),
    ).toEqual([]);
  });

  it('list prints a readable table for people', async () => {
    const { text } = await run('list', '--status', 'active');
    expect(text).toMatch(/^groupId\s+chatType\s+status/);
    expect(text).toContain('池袋店');
    expect(text).toContain('1 active chat(s)');
  });

  it('list without --status prints every chat, newest status change first', async () => {
    const groups = JSON.parse((await run('list', '--json')).text) as { groupId: string; status: string }[];
    expect(groups.map((g) => [g.groupId, g.status])).toEqual([
      [ejected, 'ejected'],
      [active, 'active'],
    ]);
    expect((await run('list')).text).toContain('2 chat(s)');
    expect(JSON.parse((await run('list', '--limit', '1', '--json')).text)).toHaveLength(1);
  });

  it('show --json prints the chat and its recent events, newest first', async () => {
    const { code, text } = await run('show', ejected, '--json');
    expect(code).toBe(0);
    const { group, events } = JSON.parse(text) as {
      group: { status: string };
      events: { eventType: string; decision: string }[];
    };
    expect(group.status).toBe('ejected');
    expect(events.map((e) => [e.eventType, e.decision])).toEqual([
      ['leave', 'ejected'],
      ['join', 'activated'],
    ]);
  });

  it('show of an unknown chat exits 1; bad usage is a UsageError naming the fix', async () => {
    expect((await run('show', 'Cnope')).code).toBe(1);
    await expect(run('list', '--status', 'gone')).rejects.toThrow(UsageError);
    await expect(run('list', '--status', 'active', '--since', 'yesterday')).rejects.toThrow(/--since/);
    await expect(run('list', '--bogus')).rejects.toThrow(UsageError);
  });

  it('leave: LINE makes the OA leave, and the leave webhook that follows reads left_by_operator', async () => {
    const { code } = await run('leave', active);
    expect(code).toBe(0);
    expect(h.line.state.chat(active).isMember).toBe(false);
    await h.post([webhookEvents.leave(active)]);
    expect((await h.registry.load(active))?.group).toMatchObject({
      status: 'left',
      leaveReason: 'left_by_operator',
    });
  });

  it('parses relative and absolute --since', () => {
    const now = new Date('2026-11-25T00:00:00.000Z');
    expect(parseSince('7d', now)).toBe('2026-11-18T00:00:00.000Z');
    expect(parseSince('2026-11-23T09:00:00+09:00', now)).toBe('2026-11-23T00:00:00.000Z');
  });

  it('runs as `npm run groups` in its own process', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'groups', '--', 'list', '--status', 'ejected', '--json'],
      {
        env: { ...process.env, ...env },
      },
    );
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ groupId: ejected })]);
  }, 30_000);
});
