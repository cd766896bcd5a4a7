import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Log } from '../app/ports';
import { ConfigError, type Config } from '../config';

/**
 * The channel's credentials. With a channel id the bot issues its own short-lived (stateless)
 * access tokens from the channel secret, and a long-lived token is neither needed nor used.
 */
export interface ChannelCredentials {
  channelSecret: string;
  channelId?: string;
  channelAccessToken?: string;
}

/** Where the credentials are read: the environment locally, a Secrets Manager secret on AWS. */
export type CredentialsSource = () => Promise<ChannelCredentials>;

const complete = (c: Partial<ChannelCredentials>, where: string): ChannelCredentials => {
  if (!c.channelSecret || !(c.channelId || c.channelAccessToken)) {
    throw new ConfigError(
      `${where} must hold "channelSecret" and either "channelId" (stateless tokens, recommended) or "channelAccessToken"`,
    );
  }
  return {
    channelSecret: c.channelSecret,
    ...(c.channelId ? { channelId: c.channelId } : { channelAccessToken: c.channelAccessToken }),
  };
};

/** A read that hangs must not hold the webhook past LINE's 2 seconds. */
export const secretsManagerClient = () =>
  new SecretsManagerClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 500, requestTimeout: 500, throwOnRequestTimeout: true },
  });

/** Each call is one GetSecretValue, so a value put there since is seen. */
export function secretsManagerCredentials(secretId: string, client: SecretsManagerClient): CredentialsSource {
  return async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    let stored: Partial<ChannelCredentials>;
    try {
      stored = JSON.parse(SecretString ?? '{}') as Partial<ChannelCredentials>;
    } catch {
      // JSON.parse's message quotes the start of the text: the secret itself, if it was put bare.
      throw new ConfigError(`secret ${secretId} is not JSON: put {"channelId": ..., "channelSecret": ...}`);
    }
    return complete(stored, `secret ${secretId}`);
  };
}

const environmentCredentials =
  (config: Config): CredentialsSource =>
  async () =>
    complete(
      {
        channelSecret: config.channelSecret,
        channelId: config.channelId,
        channelAccessToken: config.channelAccessToken,
      },
      'the environment (LINE_CHANNEL_SECRET, LINE_CHANNEL_ID or LINE_CHANNEL_ACCESS_TOKEN)',
    );

/** Plain env locally, Secrets Manager on AWS; the client is kept for the re-reads. */
export const credentialsSourceFor = (config: Config): CredentialsSource =>
  config.lineSecretId
    ? secretsManagerCredentials(config.lineSecretId, secretsManagerClient())
    : environmentCredentials(config);

/** Plain env locally, one Secrets Manager read per cold start on AWS. */
export async function channelCredentials(config: Config): Promise<ChannelCredentials> {
  if (!config.lineSecretId) return environmentCredentials(config)();
  const client = secretsManagerClient();
  try {
    return await secretsManagerCredentials(config.lineSecretId, client)();
  } finally {
    client.destroy();
  }
}

/** How long a channel secret is used before it is read again, even when every signature holds. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;
/** At most one read in this long, however many signatures fail (a flood of forgeries costs nothing). */
export const SECRET_REREAD_INTERVAL_MS = 10_000;

/** The channel secret while it can change: reissued in the LINE Developers console, put in the secret. */
export interface ChannelSecret {
  /** The secret in use; read on first use and once it is older than the maximum age. */
  current(): Promise<string>;
  /** A signature failed: the secret read again (rate-limited), and returned if it changed. */
  reread(): Promise<string | undefined>;
}

export class SecretUnavailableError extends Error {
  override name = 'SecretUnavailableError';
}

/**
 * A channel secret that heals after a rotation without a redeploy. A failed read keeps the
 * secret already held (Secrets Manager down must not stop intake); with none held yet, the
 * caller gets `SecretUnavailableError` until a read succeeds.
 */
export function refreshingChannelSecret(
  source: CredentialsSource,
  options: { log: Log; now?: () => number; maxAgeMs?: number; rereadIntervalMs?: number },
): ChannelSecret {
  const now = options.now ?? (() => Date.now());
  const maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
  const rereadIntervalMs = options.rereadIntervalMs ?? SECRET_REREAD_INTERVAL_MS;
  let held: { secret: string; readAt: number } | undefined;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  let lastError = 'not read yet';
  let reading: Promise<string | undefined> | undefined;

  const attempt = async () => {
    try {
      const { channelSecret } = await source();
      if (held && held.secret !== channelSecret)
        options.log.info('channel secret changed: using the new one');
      held = { secret: channelSecret, readAt: now() };
      return channelSecret;
    } catch (error) {
      lastError = (error as Error).message;
      options.log.error('channel secret could not be read', {
        error: { name: (error as Error).name, message: lastError },
        keepsPrevious: held !== undefined,
      });
      return undefined;
    }
  };
  // Callers at the same moment share one read.
  const read = () => {
    if (!reading) {
      lastReadAt = now();
      reading = attempt().finally(() => (reading = undefined));
    }
    return reading;
  };
  const mayRead = () => reading !== undefined || now() - lastReadAt >= rereadIntervalMs;

  return {
    async current() {
      if (held && now() - held.readAt < maxAgeMs) return held.secret;
      if (mayRead()) await read();
      if (!held) throw new SecretUnavailableError(`channel secret unavailable: ${lastError}`);
      return held.secret;
    },
    async reread() {
      if (!mayRead()) return undefined;
      const before = held?.secret;
      const secret = await read();
      return secret !== before ? secret : undefined;
    },
  };
}
