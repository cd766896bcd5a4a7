import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { assertPortFree } from '../../lib/local/dynamodb-local';
import { freePort } from '../../lib/local/ports';
import { campaignCommand } from '../../lib/cli/campaign';
import { couponsCommand } from '../../lib/cli/coupons';
import { groupsCommand } from '../../lib/cli/groups';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { Simulator } from '../../lib/local/simulator/scenarios';
import { newGroupId, newRoomId } from '../../lib/local/simulator/webhook-events';
import { oaManagerCoupon } from '../support/oa-manager';
import { startLocalStackProcess, type LocalStackProcess } from '../support/local-stack-process';

// The whole product as `npm start` runs it: its own DynamoDB Local, the LINE emulator, the webhook
// server; driven by the simulator's code; read back through the operators' CLI in --json mode.
let stack: LocalStackProcess;
let simulator: Simulator;
let emulator: EmulatorControl;

beforeAll(async () => {
  stack = await startLocalStackProcess();
  emulator = new EmulatorControl(stack.emulatorUrl);
  simulator = new Simulator({ url: stack.webhookUrl, secret: 'local-channel-secret', emulator });
}, 90_000);
afterAll(async () => {
  await stack?.interrupt();
});

async function groups(...argv: string[]) {
  const out: string[] = [];
  const code = await groupsCommand([...argv, '--json'], (t) => out.push(t), {
    DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
  });
  return { code, json: JSON.parse(out.join('\n')) as unknown };
}

/** Runs an operators' CLI command against this stack, as `npm run <name> -- ... --json` would. */
async function cli(command: typeof couponsCommand, ...argv: string[]) {
  const out: string[] = [];
  const code = await command([...argv, '--json'], (t) => out.push(t), {
    DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
    LINE_API_BASE_URL: stack.emulatorUrl,
  });
  return { code, json: JSON.parse(out.join('\n')) as Record<string, unknown> };
}

describe('npm start, end to end', () => {
  it('prints what it started, with the dev credentials', () => {
    expect(stack.output()).toMatch(/webhook\s+POST http:\/\/127\.0\.0\.1:\d+\/webhook/);
    expect(stack.output()).toContain('DynamoDB Local, in memory');
    expect(stack.output()).toContain('local-channel-secret (dev default)');
  });

  it('join: the group is active in the table, with its name from LINE', async () => {
    const groupId = newGroupId();
    await emulator.setChat(groupId, { groupName: '新宿店のみなさん', memberCount: 4 });
    const [step] = await simulator.run({ name: 'join', groupId });
    expect(step!.response.status).toBe(200);
    const { json } = await groups('show', groupId);
    expect(json).toMatchObject({
      group: { groupId, status: 'active', groupName: '新宿店のみなさん', memberCount: 4, joinCount: 1 },
    });
  });

  it('eject: join then immediate leave is recorded as an ejection, listed for operators', async () => {
    const groupId = newGroupId();
    const steps = await simulator.run({ name: 'eject', groupId });
    expect(steps.map((s) => s.response.status)).toEqual([200, 200]);
    const { json } = await groups('list', '--status', 'ejected', '--since', '1h');
    expect(json).toEqual(
      expect.arrayContaining([expect.objectContaining({ groupId, leaveReason: 'second_official_account' })]),
    );
    expect(stack.output()).toContain(`group ejected: ${groupId}`);
  });

  it('message, member-joined, leave and redelivery: a removal, each event once', async () => {
    const groupId = newGroupId();
    await simulator.run({ name: 'join', groupId });
    await simulator.run({ name: 'message', groupId, text: 'よろしくお願いします' });
    const [memberJoined] = await simulator.run({ name: 'member-joined', groupId });
    await simulator.run({ name: 'redeliver', events: memberJoined!.events });
    await new Promise((r) => setTimeout(r, 5)); // the leave comes later than the activity
    await simulator.run({ name: 'leave', groupId });
    const { json } = await groups('show', groupId);
    const shown = json as { group: Record<string, unknown>; events: { eventType: string }[] };
    expect(shown.group).toMatchObject({ status: 'left', leaveReason: 'removed' });
    expect(shown.events.map((e) => e.eventType)).toEqual(['leave', 'memberJoined', 'message', 'join']);
  });

  it('multi-person chats work the same way', async () => {
    const roomId = newRoomId();
    await simulator.run({ name: 'join', groupId: roomId });
    const { json } = await groups('show', roomId);
    expect(json).toMatchObject({ group: { chatType: 'room', status: 'active' } });
  });

  it('a webhook signed with another secret is refused with 401', async () => {
    const wrong = new Simulator({ url: stack.webhookUrl, secret: 'not-the-secret' });
    const [step] = await wrong.run({ name: 'join', groupId: newGroupId() });
    expect(step!.response.status).toBe(401);
  });

  it('coupons: created, made the group coupon, sent on join and on the keyword, then to every group by campaign', async () => {
    const { json: coupon } = await cli(
      couponsCommand,
      'create',
      '--title',
      '週末限定 500円引き',
      '--end',
      '7d',
      '--discount',
      '500',
    );
    const couponId = String(coupon.couponId);
    expect((await cli(couponsCommand, 'set-group-coupon', couponId)).code).toBe(0);

    const groupId = newGroupId();
    const [joined] = await simulator.run({ name: 'join', groupId });
    expect(joined!.sent[0]!.messages.map((m) => m.type)).toEqual(['text', 'coupon', 'flex']);
    const [asked] = await simulator.run({ name: 'message', groupId, text: 'クーポンください' });
    expect(asked!.sent[0]!.messages.at(-1)).toEqual({ type: 'coupon', couponId });
    expect(stack.output()).toContain(`bot (reply): [coupon ${couponId}]`);

    const { code, json: summary } = await cli(
      campaignCommand,
      'send',
      '--coupon',
      couponId,
      '--to',
      'active',
    );
    expect(code).toBe(0);
    // Exactly the active chats (the joined group, the room and this one), one push each.
    const { json: listed } = await groups('list', '--status', 'active');
    const activeIds = (listed as { groupId: string }[]).map((g) => g.groupId).sort();
    expect(activeIds).toHaveLength(3);
    expect(activeIds).toContain(groupId);
    expect(summary).toMatchObject({ sent: 3, skipped: 0, failed: 0 });
    const pushedTo = (await emulator.messages()).filter((m) => m.via === 'push').map((m) => m.to);
    expect(pushedTo.sort()).toEqual(activeIds);
  });

  it('set-group-coupon with a coupon made in LINE Official Account Manager fetches and registers it in one step', async () => {
    const couponId = await oaManagerCoupon(stack.emulatorUrl, 'OA Manager 限定');
    const { code, json } = await cli(couponsCommand, 'set-group-coupon', couponId);
    expect(code).toBe(0);
    expect(json).toMatchObject({
      groupCoupon: couponId,
      coupon: { title: 'OA Manager 限定', status: 'RUNNING' },
    });
    await cli(couponsCommand, 'set-group-coupon', '--none');
  });

  it('Ctrl-C stops everything it started: nothing left listening', async () => {
    const ports = {
      webhook: stack.webhookUrl,
      emulator: stack.emulatorUrl,
      dynamoDb: stack.dynamoDbEndpoint,
      console: stack.consoleUrl,
    };
    const listening = async () =>
      Object.fromEntries(
        await Promise.all(
          Object.entries(ports).map(
            async ([what, url]) =>
              [
                what,
                await new Promise<boolean>((resolve) => {
                  const socket = connect(Number(new URL(url).port), '127.0.0.1');
                  socket.once('connect', () => (socket.destroy(), resolve(true)));
                  socket.once('error', () => resolve(false));
                }),
              ] as const,
          ),
        ),
      );
    // The probe itself works: all four answer before.
    expect(await listening()).toEqual({ webhook: true, emulator: true, dynamoDb: true, console: true });
    const code = await stack.interrupt();
    expect(code).toBe(0);
    expect(stack.output()).toContain('stopped; nothing left running.');
    expect(await listening()).toEqual({ webhook: false, emulator: false, dynamoDb: false, console: false });
  }, 30_000);
});

describe('npm start on a busy port', () => {
  it.each([
    ['PORT', 'the webhook server'],
    ['DYNAMODB_LOCAL_PORT', 'DynamoDB Local'],
  ])(
    '%s taken: one line naming the variable, no stack trace, nothing left running',
    async (variable, what) => {
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const port = (busy.address() as AddressInfo).port;
      try {
        const ports = {
          PORT: await freePort(),
          LINE_EMULATOR_PORT: await freePort(),
          DYNAMODB_LOCAL_PORT: await freePort(),
          CONSOLE_PORT: await freePort(),
        };
        const child = spawn(
          process.execPath,
          [join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/start.ts'],
          {
            cwd: join(__dirname, '..', '..'),
            env: {
              ...process.env,
              ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
              [variable]: String(port),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        expect(code).toBe(1);
        expect(output.trim().split('\n').at(-1)).toBe(
          `npm start failed: port ${port} is in use, so ${what} cannot start there: set ${variable} to a free port`,
        );
        expect(output).not.toMatch(/\n\s+at /);
        // What had started before (DynamoDB Local, the emulator) was stopped again.
        if (variable === 'PORT') await assertPortFree(ports.DYNAMODB_LOCAL_PORT, '0.0.0.0', variable, what);
      } finally {
        busy.close();
      }
    },
    60_000,
  );
});
