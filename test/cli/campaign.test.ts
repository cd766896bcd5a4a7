import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { campaignCommand, campaignMessages } from '../../lib/cli/campaign';
import { UsageError } from '../../lib/cli/usage-error';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness();
  env = { ...h.cliEnv };
});
afterAll(() => h.close());

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await campaignCommand(argv, (text) => out.push(text), env);
  return { code, text: out.join('\n') };
}
const send = ['send', '--coupon', 'c1', '--to', 'active'];

describe('npm run campaign: --rate and --concurrency', () => {
  it.each(
    [
      ['--rate', 'abc'],
      ['--rate=-5'],
      ['--rate', '0'],
      ['--rate', '5000'],
      ['--concurrency', '0'],
      ['--concurrency', 'abc'],
      ['--concurrency=-5'],
      ['--concurrency', '1.5'],
    ].map((flag) => [flag.join(' '), flag] as const),
  )('send %s is a usage error naming the flag, and nothing is asked of LINE', async (_label, flag) => {
    const error = await run(...send, ...flag).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    const name = flag[0]!.replace(/=.*/, '');
    expect((error as Error).message).toMatch(new RegExp(`^${name} must be `));
    expect((error as Error).message).toContain('Usage:');
    expect(h.line.state.requests).toEqual([]);
  });

  it('a negative number after a space is refused too (it reads as a flag)', async () => {
    await expect(run(...send, '--rate', '-5')).rejects.toThrow(UsageError);
  });

  it('resume validates the same way', async () => {
    await expect(run('resume', 'any', '--concurrency', '0')).rejects.toThrow(/^--concurrency must be/);
  });

  it('as a process: exit 2, the reason and the usage on stderr', async () => {
    const error = (await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'bin/campaign.ts',
        ...send,
        '--rate',
        'abc',
      ],
      { cwd: join(__dirname, '..', '..'), env: { ...process.env, ...env } },
    ).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain(
      '--rate must be a number of pushes per second above 0 and at most 2000 (got "abc")',
    );
    expect(error.stderr).toContain('Usage:\n  npm run campaign -- send');
  }, 30_000);
});

describe('npm run campaign: resume and status', () => {
  const store = () => new DynamoDbCampaignStore(h.documents, h.tables);

  it('resume needs an id (usage error) of a campaign that exists (exit 1 through runCli)', async () => {
    await expect(run('resume')).rejects.toThrow(UsageError);
    await expect(run('resume', 'never-started')).rejects.toThrow('no campaign never-started');
  });

  it('status of a paused campaign says why and how to resume; --json carries the status and reason', async () => {
    await store().createOrGet({
      campaignId: 'paused',
      kind: 'push',
      couponId: 'c1',
      messages: campaignMessages('c1'),
      target: 'active',
      createdAt: new Date().toISOString(),
      status: 'paused_quota',
      reason: 'LINE answered 429: You have reached your monthly limit.',
    });
    const { code, text } = await run('status', 'paused');
    expect(code).toBe(0);
    expect(text).toBe(
      [
        'campaign paused: sent 0, skipped 0, failed 0',
        'paused_quota: LINE answered 429: You have reached your monthly limit.',
        '  when the quota allows: npm run campaign -- resume paused',
      ].join('\n'),
    );
    const json = JSON.parse((await run('status', 'paused', '--json')).text) as Record<string, unknown>;
    expect(json.campaign).toMatchObject({ status: 'paused_quota', kind: 'push' });
    expect(json.summary).toMatchObject({ campaignId: 'paused', sent: 0 });
  });

  it('status of a campaign that does not exist says so (a refused one is never written)', async () => {
    expect((await run('status', 'refused-one')).text).toBe(
      'no campaign refused-one (not started, or refused before it started)',
    );
  });
});
