import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../lib/local/ports';

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

/** oidc-provider-server.ts in its own process, for a console at `consoleUrl`. */
export async function startOidcProvider(consoleUrl: string): Promise<TestOidcProvider> {
  const port = await freePort();
  const clientId = 'line-groups-console';
  const clientSecret = 'a-client-secret-for-tests';
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'test/support/oidc-provider-server.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        OIDC_PORT: String(port),
        CONSOLE_PUBLIC_URL: consoleUrl,
        OIDC_CLIENT_ID: clientId,
        OIDC_CLIENT_SECRET: clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('oidc provider ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the test OIDC provider did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    issuer: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
