import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeNeeding } from '../support/prerequisites';

// `npm test` on a machine without the browser or LINE's OpenAPI files fails, saying how to get
// them; only the opt-out variables skip those suites. Proven on the real suites, run by jest.
const ROOT = join(__dirname, '..', '..');
/** Every suite that needs the browser or the OpenAPI files (found, so a new one cannot slip by). */
const needing = (what: string) =>
  (readdirSync(join(ROOT, 'test'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(ROOT, 'test', f))
    .filter((f) => readFileSync(f, 'utf8').includes(`describeNeeding(${what}`))
    .map((f) => relative(ROOT, f));
const BROWSER_SUITES = needing('browserPrerequisite');
const CONTRACT_SUITES = needing('openApiFiles');
const SUITES = [...BROWSER_SUITES, ...CONTRACT_SUITES];

/** Jest on those suites with nothing to find; the suites stop at import, so no DynamoDB is needed. */
function jestWithout(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const config = {
    rootDir: ROOT,
    roots: ['<rootDir>/test'],
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' } }] },
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--config',
        JSON.stringify(config),
        '--ci',
        ...SUITES,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          CHROMIUM_PATH: '/nonexistent/chromium-headless-shell',
          LINE_OPENAPI_DIR: '/nonexistent/line-openapi',
          LINE_GROUPS_SKIP_BROWSER_TESTS: '',
          LINE_GROUPS_SKIP_CONTRACT_TESTS: '',
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
  });
}

describe('no silent skip', () => {
  it('finds the suites that need the browser and the OpenAPI files', () => {
    expect(BROWSER_SUITES).toEqual(expect.arrayContaining(['test/console/console.test.ts']));
    expect(CONTRACT_SUITES).toEqual(
      expect.arrayContaining(['test/contract/openapi.test.ts', 'test/contract/webhook-spec.test.ts']),
    );
  });

  it('without the browser and the OpenAPI files, those suites fail with the line that says how to get them', async () => {
    const { code, output } = await jestWithout({});
    expect(code).toBe(1);
    expect(output).toContain(
      'no browser at /nonexistent/chromium-headless-shell: apt-get install -y chromium-headless-shell (or set CHROMIUM_PATH to one) (or set LINE_GROUPS_SKIP_BROWSER_TESTS=1 to skip these tests)',
    );
    expect(
      output.match(/LINE's OpenAPI files are not in \/nonexistent\/line-openapi: git clone/g),
    ).toHaveLength(CONTRACT_SUITES.length);
    expect(output).toContain(`Test Suites: ${SUITES.length} failed, ${SUITES.length} total`);
  }, 60_000);

  it('with the opt-out variables set, the same suites are skipped and say why', async () => {
    const { code, output } = await jestWithout({
      LINE_GROUPS_SKIP_BROWSER_TESTS: '1',
      LINE_GROUPS_SKIP_CONTRACT_TESTS: '1',
    });
    expect(code).toBe(0);
    expect(output).toContain(`Test Suites: ${SUITES.length} skipped, 0 of ${SUITES.length} total`);
    expect(output).toContain('skipped because LINE_GROUPS_SKIP_BROWSER_TESTS=1');
    expect(output).toContain('skipped because LINE_GROUPS_SKIP_CONTRACT_TESTS=1');
  }, 60_000);

  it('only "1" opts out; what is present always runs', () => {
    const missing = { present: false, missing: 'no thing here', optOut: 'SKIP_THING' };
    expect(() => describeNeeding(missing, { SKIP_THING: 'yes' })).toThrow(
      'no thing here (or set SKIP_THING=1 to skip these tests)',
    );
    expect(describeNeeding({ ...missing, present: true }, { SKIP_THING: '1' })).toBe(describe);
  });
});
