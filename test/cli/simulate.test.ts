import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leaveGroup } from '../../lambda/app/leave-group';
import { defaultLifecyclePolicy } from '../../lambda/domain/lifecycle';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { type Command, Simulator, SimulatorRefusal } from '../../lib/local/simulator/scenarios';
import { newGroupId } from '../../lib/local/simulator/webhook-events';
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
  ];

  it('after a leave, every command that needs the OA in the chat is refused; join and eject are not', async () => {
    const groupId = newGroupId();
    await simulator.run({ name: 'join', groupId });
    await simulator.run({ name: 'message', groupId, text: 'またね' });
    await new Promise((r) => setTimeout(r, 5)); // the leave comes later than the activity
    await simulator.run({ name: 'leave', groupId });
    expect(await h.registry.get(groupId)).toMatchObject({ status: 'left', leaveReason: 'removed' });
    for (const command of commands(groupId)) {
      await expect(simulator.run(command)).rejects.toThrow(new SimulatorRefusal(refusal(groupId)));
    }
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
