import { createHash, randomBytes } from 'node:crypto';

/** How the console knows who is there. */
export type ConsoleAuth =
  | { mode: 'none' }
  | {
      mode: 'oidc';
      issuer: URL;
      clientId: string;
      clientSecret?: string;
      /** Where people reach the console; the provider redirects back to `<it>auth/callback`. */
      publicUrl: URL;
      /** The ID-token (or userinfo) claim listing the person's roles (`cognito:groups`). */
      rolesClaim: string;
      /** 32 bytes that seal the session cookie (AES-256-GCM). */
      sessionKey: Buffer;
      /** Cognito's managed login `/logout` (its discovery has no end_session_endpoint). */
      cognitoLogoutUrl?: URL;
    };

export class ConsoleAuthConfigError extends Error {}

export const DEFAULT_ROLES_CLAIM = 'cognito:groups';

/**
 * `CONSOLE_AUTH=none` (the default): today's loopback console, no sign-in. `CONSOLE_AUTH=oidc`:
 * sign-in through OIDC_ISSUER. The session key comes from CONSOLE_SESSION_SECRET (or `sessionSecret`,
 * e.g. read from Secrets Manager); without one, a random key for this process: sessions then end
 * when it restarts.
 */
export function consoleAuthFrom(env: NodeJS.ProcessEnv, sessionSecret?: string): ConsoleAuth {
  const mode = env.CONSOLE_AUTH || 'none';
  if (mode === 'none') return { mode };
  if (mode !== 'oidc') throw new ConsoleAuthConfigError(`CONSOLE_AUTH: expected none or oidc, got "${mode}"`);
  const missing = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'CONSOLE_PUBLIC_URL'].filter((name) => !env[name]);
  if (missing.length > 0)
    throw new ConsoleAuthConfigError(
      `CONSOLE_AUTH=oidc needs ${missing.join(', ')} (see README: Console sign-in)`,
    );
  const url = (name: string) => {
    try {
      return new URL(env[name] ?? '');
    } catch {
      throw new ConsoleAuthConfigError(`${name}: not a URL: "${env[name]}"`);
    }
  };
  const publicUrl = url('CONSOLE_PUBLIC_URL');
  if (publicUrl.protocol !== 'https:' && !isLoopback(publicUrl))
    throw new ConsoleAuthConfigError('CONSOLE_PUBLIC_URL: https is required beyond this machine');
  // The console's routes are at the root of its origin.
  publicUrl.pathname = '/';
  publicUrl.search = '';
  publicUrl.hash = '';
  const secret = sessionSecret ?? env.CONSOLE_SESSION_SECRET;
  if (secret !== undefined && secret.length < 32)
    throw new ConsoleAuthConfigError('CONSOLE_SESSION_SECRET: at least 32 characters');
  return {
    mode,
    issuer: url('OIDC_ISSUER'),
    clientId: env.OIDC_CLIENT_ID ?? '',
    ...(env.OIDC_CLIENT_SECRET && { clientSecret: env.OIDC_CLIENT_SECRET }),
    publicUrl,
    rolesClaim: env.OIDC_ROLES_CLAIM || DEFAULT_ROLES_CLAIM,
    sessionKey: secret ? createHash('sha256').update(secret).digest() : randomBytes(32),
    ...(env.COGNITO_LOGOUT_URL && { cognitoLogoutUrl: url('COGNITO_LOGOUT_URL') }),
  };
}

/** 127.0.0.1, ::1 or localhost: plain http is only acceptable on this machine (tests, a try-out). */
export function isLoopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
