import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, type Config } from '../config';

export interface ChannelCredentials {
  channelSecret: string;
  channelAccessToken: string;
}

/** The channel's credentials: plain env locally, one Secrets Manager read per cold start on AWS. */
export async function channelCredentials(config: Config): Promise<ChannelCredentials> {
  if (!config.lineSecretId) {
    const { channelSecret, channelAccessToken } = config;
    if (!channelSecret || !channelAccessToken) throw new ConfigError('LINE channel credentials are not set');
    return { channelSecret, channelAccessToken };
  }
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.lineSecretId }));
    const value = JSON.parse(SecretString ?? '{}') as Partial<ChannelCredentials>;
    if (!value.channelSecret || !value.channelAccessToken) {
      throw new ConfigError(
        `secret ${config.lineSecretId} must be JSON with non-empty "channelSecret" and "channelAccessToken"`,
      );
    }
    return { channelSecret: value.channelSecret, channelAccessToken: value.channelAccessToken };
  } finally {
    client.destroy();
  }
}
