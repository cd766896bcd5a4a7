import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { tableNamesFrom } from '../../lambda/adapters/dynamodb/tables';
import type { LineApi } from '../../lambda/adapters/line/line-api';
import type { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import { audienceApiFor, lineApiFor } from '../../lambda/runtime/line-client';
import { loadConfig } from '../../lambda/config';
import { type ChannelCredentials, channelCredentials } from '../../lambda/runtime/secrets';
import { localDefaults, localDynamoDbEndpoint, localLineEmulatorUrl } from '../local/defaults';

export interface ConnectionFlags {
  aws?: boolean;
  'groups-table'?: string;
  'events-table'?: string;
}

/**
 * Where the operators' CLIs read: DYNAMODB_ENDPOINT if set; else AWS with `--aws` (standard
 * credentials and region from the environment); else the local stack `npm start` runs.
 */
export function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env) {
  const endpoint = env.DYNAMODB_ENDPOINT || (flags.aws ? undefined : localDynamoDbEndpoint);
  const tables = tableNamesFrom(env, { groups: flags['groups-table'], groupEvents: flags['events-table'] });
  return { client: documentClient({ dynamoDbEndpoint: endpoint }, env), tables, endpoint: endpoint ?? 'AWS' };
}

/**
 * The Messaging API for the CLIs: with `--aws`, real LINE with the token from LINE_CHANNEL_ACCESS_TOKEN
 * or the stack's secret (LINE_SECRET_ID); else the local emulator with the dev token.
 * LINE_API_BASE_URL overrides the URL either way.
 */
export async function connectLine(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LineApi> {
  const { credentials, baseURL } = await lineChannel(flags, env);
  return lineApiFor(credentials, baseURL);
}

/** LINE's audiences and narrowcasts, reached as `connectLine` reaches the Messaging API. */
export async function connectAudiences(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LineAudienceApi> {
  const { credentials, baseURL } = await lineChannel(flags, env);
  return audienceApiFor(credentials, baseURL);
}

async function lineChannel(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
): Promise<{ credentials: ChannelCredentials; baseURL: string | undefined }> {
  if (!flags.aws) {
    const credentials = env.LINE_CHANNEL_ID
      ? {
          channelId: env.LINE_CHANNEL_ID,
          channelSecret: env.LINE_CHANNEL_SECRET || localDefaults.channelSecret,
        }
      : {
          channelSecret: localDefaults.channelSecret,
          channelAccessToken: env.LINE_CHANNEL_ACCESS_TOKEN || localDefaults.channelAccessToken,
        };
    return { credentials, baseURL: env.LINE_API_BASE_URL || localLineEmulatorUrl };
  }
  const config = loadConfig({ LINE_CHANNEL_SECRET: 'unused-by-the-cli', ...env });
  return { credentials: await channelCredentials(config), baseURL: config.lineApiBaseUrl };
}

export const connectionOptions = {
  aws: { type: 'boolean' },
  'groups-table': { type: 'string' },
  'events-table': { type: 'string' },
} as const;
