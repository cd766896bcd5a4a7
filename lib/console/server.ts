import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { assertPortFree } from '../local/dynamodb-local';
import { createConsoleApp } from './app';
import type { ConsoleDeps } from './deps';

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

/** The console on 127.0.0.1 only: no new public endpoint, locally or on AWS. */
export async function startConsole(deps: ConsoleDeps, port: number): Promise<ConsoleServer> {
  await assertPortFree(port, '127.0.0.1', 'CONSOLE_PORT', 'the console');
  const app = createConsoleApp(deps, port);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
