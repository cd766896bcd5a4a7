import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leaveGroup } from '../../lambda/app/leave-group';
import { defaultLifecyclePolicy } from '../../lambda/domain/lifecycle';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { parseCommand } from '../../lib/cli/simulate';
import {
  type Command,
  defaultSender,
  Simulator,
  SimulatorRefusal,
} from '../../lib/local/simulator/scenarios';
import { newGroupId, newUserId, type WebhookEvent } from '../../lib/local/simulator/webhook-events';
import { startWebhookServer, type WebhookServer } from '../../lib/local/webhook-server';
import { CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

// `npm run simulate` as a user runs it (its own process, its state file in the working directory),
// against the real webhook, processor and DynamoDB Local tables, with the LINE emulator saying who
// is in which chat.
const ROOT = join(__dirname, '..', '..');
let h: Harness;
let server: WebhookServer;
let simulator: Simulator;
let cwd: string;

beforeAll(async () => {
  h = await startHarness();
  server = await startWebhookServer(h.handler, { port: 0, drain: () => h.processing.drain() });
  simulator = new Simulator({
    url: server.url,
    secret: CHANNEL_SECRET,
    emulator: new EmulatorControl(h.line.url),
  });
  cwd = mkdtempSync(join(tmpdir(), 'simulate-'));
});
afterAll(async () => {
  await server?.close();
  await h?.close();
  rmSync(cwd, { recursive: true, force: true });
});

/** `npm run simulate -- <argv>` pointed at this stack; resolves with its exit code and output. */
async function simulate(...argv: string[]) {
  const args = [
    join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    join(ROOT, 'bin', 'simulate.ts'),
    ...argv,
  ];
  args.push('--url', server.url, '--emulator', h.line.url, '--secret', CHANNEL_SECRET);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Everything a refused command must leave as it was. */
const snapshot = async (groupId: string) => ({
  group: (await h.registry.load(groupId))?.group,
  events: await h.registry.recentEvents(groupId, 100),
  sent: h.line.state.sent.length,
  chat: { ...h.line.state.chat(groupId) },
  members: h.line.state.people.members(groupId),
  state: readFileSync(join(cwd, '.local', 'simulator.json'), 'utf8'),
});
const refusal = (groupId: string) =>
  `the OA is not in ${groupId}: LINE would send nothing; --force sends it anyway`;

describe('npm run simulate sends only what LINE would', () => {
  const ejected = newGroupId();

  it('eject, then member-joined in the last chat used: one line, non-zero exit, nothing sent or changed', async () => {
    expect((await simulate('eject', ejected)).code).toBe(0);
    expect((await h.registry.get(ejected))?.status).toBe('ejected');
    const before = await snapshot(ejected);

    const refused = await simulate('member-joined');

    expect(refused).toEqual({ code: 2, stdout: '', stderr: `${refusal(ejected)}\n` });
    expect(await snapshot(ejected)).toEqual(before);
  }, 20_000);

  it('--force sends it as a late redelivery from before the join: the chat stays ejected', async () => {
    const joinedAt = (await h.registry.get(ejected))!.joinedAt!;
    const sent = h.line.state.sent.length;

    const forced = await simulate('member-joined', '--force', '--json');

    expect(forced.code).toBe(0);
    const [step] = JSON.parse(forced.stdout) as {
      events: { timestamp: number; deliveryContext: unknown }[];
    }[];
    expect(step!.events[0]!.timestamp).toBe(Date.parse(joinedAt) - 1000);
    expect(step!.events[0]!.deliveryContext).toEqual({ isRedelivery: true });
    expect(await h.registry.get(ejected)).toMatchObject({
      status: 'ejected',
      leaveReason: 'second_official_account',
    });
    const events = await h.registry.recentEvents(ejected);
    expect(events.map((e) => [e.eventType, e.status])).toEqual([
      ['leave', 'ejected'],
      ['join', 'active'],
      ['memberJoined', 'ejected'],
    ]);
    expect(h.line.state.sent.length).toBe(sent); // nothing reaches a chat the OA is not in
    expect(h.line.state.people.members(ejected)).toEqual([]); // a late redelivery joins nobody
  }, 20_000);

  it('--at stamps the event; a time that is not one is a usage error', async () => {
    const groupId = newGroupId();
    expect((await simulate('join', groupId, '--at', '2026-11-25T09:00:00+09:00')).code).toBe(0);
    expect((await h.registry.get(groupId))?.joinedAt).toBe('2026-11-25T00:00:00.000Z');
    const bad = await simulate('message', 'こんにちは', '--at', 'yesterday');
    expect([bad.code, bad.stderr]).toEqual([2, '--at: expected an ISO-8601 time, got "yesterday"\n']);
  }, 20_000);
});

describe('the simulator knows from the emulator whether the OA is in the chat', () => {
  const commands = (groupId: string): Command[] => [
    { name: 'message', groupId, text: 'こんにちは' },
    { name: 'postback', groupId, data: 'action=coupon' },
    { name: 'member-joined', groupId },
    { name: 'member-left', groupId },
    { name: 'leave', groupId },
    { name: 'message', groupId, text: 'やあ', userId: someone },
    { name: 'member-joined', groupId, members: [{ userId: someone, displayName: '花子' }] },
    { name: 'member-left', groupId, userIds: [someone] },
  ];
  const someone = newUserId();

  it('after a leave, every command that needs the OA in the chat is refused; join and eject are not', async () => {
    const groupId = newGroupId();
    await simulator.run({ name: 'join', groupId });
    await simulator.run({ name: 'message', groupId, text: 'またね' });
    await new Promise((r) => setTimeout(r, 5)); // the leave comes later than the activity
    await simulator.run({ name: 'leave', groupId });
    expect(await h.registry.get(groupId)).toMatchObject({ status: 'left', leaveReason: 'removed' });
    const members = {
      count: h.line.state.chat(groupId).memberCount,
      listed: h.line.state.people.members(groupId),
    };
    for (const command of commands(groupId)) {
      await expect(simulator.run(command)).rejects.toThrow(new SimulatorRefusal(refusal(groupId)));
    }
    // Nobody joined, left or was named there.
    expect({
      count: h.line.state.chat(groupId).memberCount,
      listed: h.line.state.people.members(groupId),
    }).toEqual(members);
    expect(h.line.state.people.hasLeft(groupId, someone)).toBe(false);
    expect(h.line.state.people.person(someone).displayName).toBe(`User ${someone.slice(-4)}`);
    // Invited again: LINE sends from the chat again.
    await simulator.run({ name: 'join', groupId });
    const [said] = await simulator.run({ name: 'message', groupId, text: 'ただいま' });
    expect(said!.response.status).toBe(200);
    expect((await h.registry.get(groupId))?.status).toBe('active');
  });

  it("after an operator's leave through the API, LINE's one leave event goes, then nothing", async () => {
    const groupId = newGroupId();
    await simulator.run({ name: 'join', groupId });
    await leaveGroup(groupId, {
      registry: h.registry,
      line: h.couponDeps.line,
      policy: defaultLifecyclePolicy,
      now: () => new Date(),
    });
    await expect(simulator.run({ name: 'message', groupId, text: 'x' })).rejects.toThrow(SimulatorRefusal);
    await simulator.run({ name: 'leave', groupId });
    expect(await h.registry.get(groupId)).toMatchObject({ status: 'left', leaveReason: 'left_by_operator' });
    await expect(simulator.run({ name: 'leave', groupId })).rejects.toThrow(refusal(groupId));
  });

  it('forced into a chat whose join it never saw, it asks for --at instead of guessing', async () => {
    const groupId = newGroupId();
    h.line.state.chats.set(groupId, { chatType: 'group', groupName: 'g', memberCount: 3, isMember: false });
    await expect(simulator.run({ name: 'message', groupId, text: 'x' }, { force: true })).rejects.toThrow(
      `--force: when the OA last joined ${groupId} is not known here; stamp the event with --at <ISO time>`,
    );
    const [step] = await simulator.run(
      { name: 'message', groupId, text: 'x' },
      { force: true, at: Date.parse('2026-11-25T00:00:00Z') },
    );
    expect(step!.events[0]).toMatchObject({ timestamp: Date.parse('2026-11-25T00:00:00Z') });
  });
});

/** The steps a `--json` run printed. */
const printed = (stdout: string) =>
  JSON.parse(stdout) as { events: WebhookEvent[]; response: { status: number } }[];
const onlyEvent = (stdout: string) => {
  const steps = printed(stdout);
  expect(steps.map((step) => [step.events.length, step.response.status])).toEqual([[1, 200]]);
  return steps[0]!.events[0]! as WebhookEvent & Record<string, unknown>;
};

describe('npm run simulate: people', () => {
  it('follow, unfollow, follow again: 1:1 events, the emulator’s friendship, and an unblock', async () => {
    const followed = await simulate('follow', '--name', '花子');
    expect(followed.code).toBe(0);
    const userId = /→ follow (U[0-9a-f]{32}) /.exec(followed.stdout)![1]!; // a new user, printed
    expect(h.line.state.people.person(userId)).toMatchObject({ displayName: '花子', friend: true });

    const unfollowed = onlyEvent((await simulate('unfollow', '--json')).stdout); // the last user used
    expect(unfollowed).toMatchObject({ type: 'unfollow', source: { type: 'user', userId } });
    expect(unfollowed).not.toHaveProperty('replyToken');
    expect(h.line.state.people.person(userId)).toMatchObject({ friend: false, blocked: true });

    const [unblocked] = await simulator.run({ name: 'follow', userId });
    expect(unblocked!.response.status).toBe(200);
    expect(unblocked!.events[0]).toMatchObject({
      type: 'follow',
      source: { type: 'user', userId },
      replyToken: expect.any(String),
      follow: { isUnblocked: true },
    });
    const [again] = await simulator.run({ name: 'follow', userId }); // already a friend: no unblock
    expect(again!.events[0]).toMatchObject({ follow: { isUnblocked: false } });
    expect(h.line.state.people.person(userId)).toMatchObject({
      displayName: '花子',
      friend: true,
      blocked: false,
    });
  }, 30_000);

  it('message --user names the sender, --no-user sends none, and without either the chat’s usual member speaks', async () => {
    const groupId = newGroupId();
    const userId = newUserId();
    await simulator.run({ name: 'join', groupId });

    const named = onlyEvent(
      (await simulate('message', groupId, 'こんにちは', '--user', userId, '--json')).stdout,
    );
    const anonymous = onlyEvent(
      (await simulate('postback', groupId, 'action=coupon', '--no-user', '--json')).stdout,
    );

    expect(named.source).toEqual({ type: 'group', groupId, userId });
    expect(anonymous.source).toEqual({ type: 'group', groupId });
    const [first] = await simulator.run({ name: 'message', groupId, text: 'a' });
    const [second] = await simulator.run({ name: 'postback', groupId, data: 'b' });
    const [elsewhere] = await simulator.run({ name: 'message', groupId: newGroupId(), text: 'c' });
    expect([first, second].map((step) => step!.events[0]!.source)).toEqual([
      { type: 'group', groupId, userId: defaultSender(groupId) },
      { type: 'group', groupId, userId: defaultSender(groupId) },
    ]);
    expect((elsewhere!.events[0]!.source as { userId: string }).userId).not.toBe(defaultSender(groupId));
    expect((await h.registry.get(groupId))?.status).toBe('active');
  }, 30_000);

  it('member-joined and member-left: the members in the event join and leave the emulator’s chat', async () => {
    const groupId = newGroupId();
    const [alice, bob] = [newUserId(), newUserId()];
    await simulator.run({ name: 'join', groupId });
    expect(h.line.state.chat(groupId).memberCount).toBe(3);

    const joined = await simulate(
      'member-joined',
      groupId,
      '--user',
      alice,
      '--name',
      'Alice',
      '--user',
      bob,
      '--json',
    );
    expect(onlyEvent(joined.stdout)).toMatchObject({
      type: 'memberJoined',
      joined: {
        members: [
          { type: 'user', userId: alice },
          { type: 'user', userId: bob },
        ],
      },
    });
    expect(h.line.state.people.members(groupId)).toEqual([alice, bob]);
    expect(h.line.state.people.person(alice).displayName).toBe('Alice');
    expect(h.line.state.chat(groupId).memberCount).toBe(5);

    const left = await simulate('member-left', groupId, '--user', alice, '--json');
    expect(onlyEvent(left.stdout)).toMatchObject({
      type: 'memberLeft',
      left: { members: [{ type: 'user', userId: alice }] },
    });
    expect(h.line.state.people.members(groupId)).toEqual([bob]);
    expect(h.line.state.people.hasLeft(groupId, alice)).toBe(true);
    expect(h.line.state.chat(groupId).memberCount).toBe(4);

    // Without --user, someone new joins, with the name given.
    const [someone] = await simulator.run({
      name: 'member-joined',
      groupId,
      members: [{ userId: newUserId() }],
    });
    expect(someone!.response.status).toBe(200);
    expect(h.line.state.people.members(groupId)).toHaveLength(2);
  }, 30_000);
});

describe('simulate refuses people flags it cannot use, before sending anything', () => {
  const state = { lastGroupId: newGroupId() };
  const user = newUserId();
  it.each([
    [['member-left'], {}, 'member-left: who left? --user <userId>'],
    [
      ['message', 'x'],
      { user: ['alice'] },
      '--user: expected a LINE user ID (U and 32 hex digits), got "alice"',
    ],
    [['message', 'x'], { user: [user, user] }, '--user: a message has one sender'],
    [['message', 'x'], { user: [user], noUser: true }, '--user and --no-user: choose one'],
    [['member-joined'], { noUser: true }, '--no-user: only message, postback, clock take it'],
    [['message', 'x'], { name: ['花子'] }, '--name: only member-joined, follow take it'],
    [['join'], { user: [user] }, '--user: only message, postback, clock, member-joined, member-left take it'],
    [['member-joined'], { user: [user], name: ['a', 'b'] }, '--name: one for each --user, in the same order'],
    [['member-joined'], { name: [' '] }, '--name: a display name cannot be empty'],
    [['follow', 'bob'], {}, 'follow: expected a LINE user ID (U and 32 hex digits), got "bob"'],
    [['follow', newGroupId()], {}, 'follow: takes a userId (U…), not a chat'],
    [['follow', user, 'extra'], {}, 'follow: unexpected "extra"'],
    [['unfollow'], {}, 'unfollow: who? Name a userId, or start with: npm run simulate -- follow'],
  ])('%j %j', (positionals, flags, message) => {
    expect(() => parseCommand(positionals, state, flags)).toThrow(message);
  });

  it('reads --name in --user order; a lone --name names the one new member', () => {
    const other = newUserId();
    expect(parseCommand(['member-joined'], state, { user: [user, other], name: ['花子'] })).toEqual({
      name: 'member-joined',
      groupId: state.lastGroupId,
      members: [{ userId: user, displayName: '花子' }, { userId: other }],
    });
    const lone = parseCommand(['member-joined'], state, { name: ['Ken'] });
    expect(lone).toMatchObject({ members: [{ userId: expect.stringMatching(/^U/), displayName: 'Ken' }] });
    expect(parseCommand(['unfollow'], { lastUserId: user }, {})).toEqual({ name: 'unfollow', userId: user });
  });
});
