import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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

/** Plain env locally, one Secrets Manager read per cold start on AWS. */
export async function channelCredentials(config: Config): Promise<ChannelCredentials> {
  if (!config.lineSecretId) {
    return complete(
      {
        channelSecret: config.channelSecret,
        channelId: config.channelId,
        channelAccessToken: config.channelAccessToken,
      },
      'the environment (LINE_CHANNEL_SECRET, LINE_CHANNEL_ID or LINE_CHANNEL_ACCESS_TOKEN)',
    );
  }
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.lineSecretId }));
    return complete(
      JSON.parse(SecretString ?? '{}') as Partial<ChannelCredentials>,
      `secret ${config.lineSecretId}`,
    );
  } finally {
    client.destroy();
  }
}
