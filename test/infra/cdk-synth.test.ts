import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The real CLI on the real app, as `cdk deploy` runs it: esbuild bundling, cdk-nag, no AWS credentials.
describe('cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes offline, bundling each function into one small minified file', async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      CI: 'true',
    };
    await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], { env, timeout: 180_000 });
    const template = JSON.parse(readFileSync(join(out, 'LineGroups.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    // One function per entry point in lambda/handlers/ (no helper functions the stack did not ask for).
    // The console's function is deployed only with -c console=true.
    const handlers = readdirSync(join(__dirname, '..', '..', 'lambda', 'handlers')).filter(
      (f) => f.endsWith('.ts') && f !== 'console.ts',
    );
    expect(handlers.length).toBeGreaterThanOrEqual(5);
    expect(functions).toHaveLength(handlers.length);
    for (const fn of functions) {
      const bundle = join(out, fn.Metadata!['aws:asset:path']!, 'index.js');
      // Everything a function needs is in its bundle; the SDK is tree-shaken in, not taken from the runtime.
      expect(statSync(bundle).size).toBeLessThan(1024 * 1024);
    }
  }, 180_000);
});
