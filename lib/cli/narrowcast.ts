import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbNarrowcastStore } from '../../lambda/adapters/dynamodb/narrowcast-store';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import type { AudienceApi, NarrowcastApi } from '../../lambda/app/audiences/ports';
import {
  estimateNarrowcast,
  followNarrowcast,
  type NarrowcastDeps,
  startNarrowcast,
} from '../../lambda/app/narrowcast/run-narrowcast';
import { loadTemplates } from '../../lambda/domain/templates';
import {
  audienceReadyTimeoutMs,
  defaultNarrowcastId,
  type NarrowcastCampaign,
  narrowcastMessages,
  narrowcastStatusView,
} from '../../lambda/domain/narrowcast';
import { connectAudiences } from './connection';
import { UsageError } from './usage-error';

export const narrowcastUsage = `  npm run campaign -- start --audience <audienceGroupId> (--coupon <couponId> | --message <template name>)
                           [--id <campaignId>] [--json]
      narrowcasts one to one to everyone in the audience (npm run audiences -- list), once: waits while
      LINE prepares the audience (waiting_for_audience), sends within the quota left, follows LINE's
      progress to succeeded or failed. Run the same command again (or resume <id>) after an interruption.`;

/** A narrowcast followed from this process (this CLI, the console). */
export function narrowcastDepsFor(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: NarrowcastApi & Pick<AudienceApi, 'getAudience'>;
  env: NodeJS.ProcessEnv;
}): NarrowcastDeps {
  return {
    line: options.line,
    store: new DynamoDbNarrowcastStore(options.client, options.tables.campaigns),
    log: { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    telemetry: { count() {} },
    now: () => new Date(),
    audienceReadyTimeoutMs: audienceReadyTimeoutMs(options.env),
  };
}

const describe = (c: NarrowcastCampaign) =>
  [
    `campaign ${c.campaignId} (narrowcast to audience ${c.audienceGroupId}): ${c.status}`,
    ...(c.requestId ? [`  requestId ${c.requestId}`] : []),
    ...(c.targetCount !== undefined
      ? [`  target ${c.targetCount}, success ${c.successCount ?? '-'}, failure ${c.failureCount ?? '-'}`]
      : []),
    ...(c.reason ? [`  ${c.reason}`] : []),
  ].join('\n');

/**
 * The narrowcast side of `npm run campaign`: `start`, and `status`/`resume` of a narrowcast
 * campaign. undefined when the command is not about a narrowcast (the push campaign's code runs).
 */
export async function narrowcastCommand(
  command: string | undefined,
  campaignId: string | undefined,
  values: {
    audience?: string;
    coupon?: string;
    message?: string;
    id?: string;
    json?: boolean;
    aws?: boolean;
  },
  connection: { client: DynamoDBDocumentClient; tables: Record<TableRole, string> },
  out: (text: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<number | undefined> {
  const store = new DynamoDbNarrowcastStore(connection.client, connection.tables.campaigns);
  const print = (c: NarrowcastCampaign) =>
    out(values.json ? JSON.stringify(narrowcastStatusView(c), null, 2) : describe(c));
  if (command === 'status' || command === 'resume') {
    const existing = campaignId ? await store.get(campaignId) : undefined;
    if (!existing) return undefined;
    if (command === 'status') {
      print(existing);
      return 0;
    }
  } else if (command !== 'start') {
    return undefined;
  }

  const line = await connectAudiences(values, env);
  const deps = narrowcastDepsFor({ ...connection, line, env });
  let id = campaignId ?? '';
  if (command === 'start') {
    if (!values.audience || !/^\d+$/.test(values.audience))
      throw new UsageError('start needs --audience <audienceGroupId> (npm run audiences -- list)');
    if (!values.coupon && !values.message)
      throw new UsageError('start needs --coupon <couponId> or --message <template name>');
    const audienceGroupId = Number(values.audience);
    const settings = new DynamoDbSettingsStore(connection.client, connection.tables.settings);
    const messages = narrowcastMessages(loadTemplates(await settings.templateOverrides()), {
      ...(values.coupon && { couponId: values.coupon }),
      ...(values.message && { template: values.message }),
    });
    id = values.id ?? defaultNarrowcastId(audienceGroupId, messages);
    const estimate = await estimateNarrowcast(audienceGroupId, deps);
    if (!values.json) {
      out(
        `audience ${audienceGroupId} "${estimate.audience.description}" (${estimate.audience.type}, ${estimate.audience.status}): ` +
          `LINE reserves the whole audience, ${estimate.reserved} message(s), from the monthly quota before sending` +
          (estimate.remainingQuota === undefined
            ? ' (no monthly limit)'
            : `; ${estimate.remainingQuota} left this month, and it sends to at most that many (upToRemainingQuota)`),
      );
    }
    await startNarrowcast(
      {
        campaignId: id,
        audienceGroupId,
        ...(values.coupon && { couponId: values.coupon }),
        ...(values.message && { template: values.message }),
        messages,
      },
      deps,
    );
  }
  if (values.aws) {
    // The stack's follower (every minute) takes it from here.
    out(`campaign ${id} queued in AWS; follow it with: npm run campaign -- status ${id} --aws`);
    return 0;
  }
  let last = '';
  const final = await followNarrowcast(id, deps, (c) => {
    if (values.json || c.status === last) return;
    last = c.status;
    out(`campaign ${c.campaignId}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  });
  print(final);
  return final.status === 'succeeded' ? 0 : 1;
}
