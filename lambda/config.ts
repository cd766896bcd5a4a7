import { tableNamesFrom, type TableRole } from './adapters/dynamodb/tables';
import type { EnrichmentPolicy } from './domain/enrichment';
import type { MassLeavePolicy } from './domain/mass-leave';

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
  /** With it the bot issues stateless channel access tokens (no long-lived token needed). */
  channelId?: string;
  /** Secrets Manager secret holding `{"channelSecret": ..., "channelAccessToken": ...}`. */
  lineSecretId?: string;
  ejectionWindowMs: number;
  eventRetentionDays: number;
  /** How long the processor waits for LINE's group summary/member count right after a join. */
  lookupTimeoutMs: number;
  /** How long the enrichment sweep waits for them (it runs apart from any webhook). */
  enrichmentTimeoutMs: number;
  enrichment: EnrichmentPolicy;
  /** How long accepted events stay in the inbox, in days (their texts are dropped once applied). */
  inboxRetentionDays: number;
  /** How long a dead letter, or an item the stream gave up on, is kept for an operator, in days. */
  deadLetterRetentionDays: number;
  /** Failed attempts at one inbox item before it becomes a dead letter. */
  processingMaxAttempts: number;
  /** How long after arrival the sweep applies an item of a stream batch AWS gave up on. */
  inboxSweepAfterMs: number;
  /** A member is deleted this many days after they were last seen (or left). */
  memberRetentionDays: number;
  /** A friendship is checked with LINE again this long after the latest fact about it. */
  friendshipRecheckMs: number;
  massLeave: MassLeavePolicy;
  /** At most one welcome card for new members per chat in this long. */
  memberWelcomeCooldownMs: number;
  /** How long the webhook keeps the operator's settings (templates, group coupon) before re-reading. */
  settingsCacheMs: number;
  /** Attendance: a shift with no 退勤 this long is open; punches and corrections are kept this long. */
  attendance: { openShiftMs: number; retentionDays: number };
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
    channelId: optional(env.LINE_CHANNEL_ID),
    lineSecretId: optional(env.LINE_SECRET_ID),
    ejectionWindowMs: numberFrom(env, 'EJECTION_WINDOW_SECONDS', 60) * 1000,
    eventRetentionDays: numberFrom(env, 'EVENT_RETENTION_DAYS', 90),
    lookupTimeoutMs: numberFrom(env, 'LINE_LOOKUP_TIMEOUT_MS', 3000),
    enrichmentTimeoutMs: numberFrom(env, 'ENRICHMENT_TIMEOUT_MS', 20_000),
    enrichment: {
      retryBaseMs: numberFrom(env, 'ENRICHMENT_RETRY_SECONDS', 30) * 1000,
      retryMaxDelayMs: 3_600_000,
      giveUpAfterMs: numberFrom(env, 'ENRICHMENT_GIVE_UP_HOURS', 24) * 3_600_000,
    },
    inboxRetentionDays: numberFrom(env, 'INBOX_RETENTION_DAYS', 1),
    deadLetterRetentionDays: numberFrom(env, 'DEAD_LETTER_RETENTION_DAYS', 14),
    massLeave: {
      minGroups: numberFrom(env, 'MASS_LEAVE_MIN_GROUPS', 3),
      windowMs: numberFrom(env, 'MASS_LEAVE_WINDOW_SECONDS', 600) * 1000,
      minShare: numberFrom(env, 'MASS_LEAVE_MIN_SHARE', 0.8),
    },
    memberWelcomeCooldownMs: numberFrom(env, 'MEMBER_WELCOME_COOLDOWN_SECONDS', 3600, true) * 1000,
    processingMaxAttempts: numberFrom(env, 'PROCESSING_MAX_ATTEMPTS', 3),
    inboxSweepAfterMs: numberFrom(env, 'INBOX_SWEEP_AFTER_MINUTES', 15, true) * 60_000,
    memberRetentionDays: numberFrom(env, 'MEMBER_RETENTION_DAYS', 180),
    friendshipRecheckMs: numberFrom(env, 'FRIENDSHIP_RECHECK_DAYS', 7) * 86_400_000,
    settingsCacheMs: numberFrom(env, 'SETTINGS_CACHE_SECONDS', 30, true) * 1000,
    attendance: {
      openShiftMs: numberFrom(env, 'ATTENDANCE_OPEN_SHIFT_HOURS', 16) * 3_600_000,
      // Five years: how long Japan's Labour Standards Act (art. 109) has records of hours kept.
      retentionDays: numberFrom(env, 'ATTENDANCE_RETENTION_DAYS', 1830),
    },
  };
  if (!config.lineSecretId && !(config.channelSecret && (config.channelId || config.channelAccessToken))) {
    throw new ConfigError(
      'set LINE_SECRET_ID, or LINE_CHANNEL_SECRET with LINE_CHANNEL_ID (stateless tokens) or LINE_CHANNEL_ACCESS_TOKEN',
    );
  }
  return config;
}
