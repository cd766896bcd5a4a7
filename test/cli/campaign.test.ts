import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { campaignCommand } from '../../lib/cli/campaign';
import { UsageError } from '../../lib/cli/usage-error';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness();
  env = {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(h.tables),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
  };
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
