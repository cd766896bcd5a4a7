import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../lib/local/ports';

export interface LocalStackProcess {
  webhookUrl: string;
  consoleUrl: string;
  emulatorUrl: string;
  dynamoDbEndpoint: string;
  output(): string;
  /** Ctrl-C, as a person would; resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');

/** `npm start` in its own process on free ports, exactly as a user runs it (tsx bin/start.ts). */
export async function startLocalStackProcess(env: Record<string, string> = {}): Promise<LocalStackProcess> {
  const ports = {
    PORT: await freePort(),
    LINE_EMULATOR_PORT: await freePort(),
    DYNAMODB_LOCAL_PORT: await freePort(),
    CONSOLE_PORT: await freePort(),
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/start.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    webhookUrl: `http://127.0.0.1:${ports.PORT}/webhook`,
    consoleUrl: `http://127.0.0.1:${ports.CONSOLE_PORT}/`,
    emulatorUrl: env.LINE_API_BASE_URL ?? `http://127.0.0.1:${ports.LINE_EMULATOR_PORT}`,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT ?? `http://127.0.0.1:${ports.DYNAMODB_LOCAL_PORT}`,
    output: () => output,
    interrupt: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
