import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { assertPortFree } from '../local/dynamodb-local';
import { createConsoleApp } from './app';
import { type ConsoleAuth, consoleAuthFrom } from './auth/config';
import type { ConsoleDeps } from './deps';

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The console on 127.0.0.1 only without sign-in (CONSOLE_AUTH=none); with sign-in it may listen
 * beyond loopback (CONSOLE_LISTEN_HOST, default 0.0.0.0), answering only to CONSOLE_PUBLIC_URL's host.
 */
export async function startConsole(
  deps: ConsoleDeps,
  port: number,
  auth: ConsoleAuth = consoleAuthFrom(process.env),
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConsoleServer> {
  const hostname = auth.mode === 'oidc' ? env.CONSOLE_LISTEN_HOST || '0.0.0.0' : '127.0.0.1';
  await assertPortFree(port, hostname, 'CONSOLE_PORT', 'the console');
  const app = createConsoleApp(deps, port, auth);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port, hostname }, () => resolve(started));
  });
  return {
    url:
      auth.mode === 'oidc'
        ? auth.publicUrl.href
        : `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
