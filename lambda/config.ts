import { tableNamesFrom, type TableRole } from './adapters/dynamodb/tables';

/** Everything the functions read from their environment, checked once at start. */
export interface Config {
  tables: Record<TableRole, string>;
  /** Set for DynamoDB Local; unset on AWS. */
  dynamoDbEndpoint?: string;
  /** Set for the LINE emulator or any stand-in; unset means https://api.line.me. */
  lineApiBaseUrl?: string;
  /** Local runs: the channel's credentials in plain env. On AWS they come from Secrets Manager. */
  channelSecret?: string;
  channelAccessToken?: string;
  /** Secrets Manager secret holding `{"channelSecret": ..., "channelAccessToken": ...}`. */
  lineSecretId?: string;
  ejectionWindowMs: number;
  eventRetentionDays: number;
  lookupTimeoutMs: number;
  /** How long the webhook keeps the operator's settings (templates, group coupon) before re-reading. */
  settingsCacheMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A number from the environment, `fallback` when unset; `allowZero` for durations that may be off. */
function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new ConfigError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`,
    );
  }
  return value;
}

const optional = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Config = {
    tables: tableNamesFrom(env),
    dynamoDbEndpoint: optional(env.DYNAMODB_ENDPOINT),
    lineApiBaseUrl: optional(env.LINE_API_BASE_URL),
    channelSecret: optional(env.LINE_CHANNEL_SECRET),
    channelAccessToken: optional(env.LINE_CHANNEL_ACCESS_TOKEN),
    lineSecretId: optional(env.LINE_SECRET_ID),
    ejectionWindowMs: numberFrom(env, 'EJECTION_WINDOW_SECONDS', 60) * 1000,
    eventRetentionDays: numberFrom(env, 'EVENT_RETENTION_DAYS', 90),
    lookupTimeoutMs: numberFrom(env, 'LINE_LOOKUP_TIMEOUT_MS', 3000),
    settingsCacheMs: numberFrom(env, 'SETTINGS_CACHE_SECONDS', 30, true) * 1000,
  };
  if (!config.lineSecretId && !(config.channelSecret && config.channelAccessToken)) {
    throw new ConfigError('set LINE_SECRET_ID, or both LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN');
  }
  return config;
}
