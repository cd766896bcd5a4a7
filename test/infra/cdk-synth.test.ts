import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The real CLI on the real app, as `cdk deploy` would run it, with no AWS credentials.
describe('cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes the app offline into a CloudFormation template', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      CI: 'true',
    };
    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], { env, timeout: 180_000 });
    const template = JSON.parse(readFileSync(join(out, 'LineGroups.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::DynamoDB::GlobalTable')).toHaveLength(2);
  }, 180_000);
});
