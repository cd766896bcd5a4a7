import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import {
  type CampaignDeps,
  type CampaignRun,
  campaignStatus,
  runCampaign,
} from '../../lambda/app/campaign/run-campaign';
import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import type { PushSender } from '../../lambda/app/ports';
import {
  type Campaign,
  type CampaignSummary,
  InvalidTuningError,
  parseCampaignTuning,
} from '../../lambda/domain/campaign';
import type { Message } from '../../lambda/domain/messages';
import { loadTemplates, renderFriendCard } from '../../lambda/domain/templates';
import { parseCommandLine } from './args';
import { connect, connectLine, connectionOptions } from './connection';
import { progressBar } from './progress';
import { UsageError } from './usage-error';

export const campaignUsage = `Usage:
  npm run campaign -- send --coupon <couponId> --to active [--message <flex.json>] [--id <campaignId>]
                           [--ignore-quota] [--concurrency <n>] [--rate <pushes per second>]
  npm run campaign -- send --friend-card --below-reach <0..1> [--coupon <couponId>] [--id <campaignId>] [...]
  npm run campaign -- resume <campaignId> [--ignore-quota] [--concurrency <n>] [--rate <pushes per second>]
  npm run campaign -- status <campaignId>

Sends the coupon (after the Flex message, if given) to every active group by push, once per
group even when re-run or interrupted: run the same command again to finish what is left.
--friend-card --below-reach 0.5 sends the templates' friend-add card (and the coupon, if given)
to the active chats where under half the members are friends (groups reach): a broadcast misses
the others, and a push to a chat costs one message per member; the estimate says how many.
The campaign id defaults to one derived from the coupon and the message, so a re-run resumes.
Checks LINE's remaining monthly quota first (--ignore-quota to send anyway). When LINE answers
that the monthly limit is reached, the campaign stops at once (paused_quota); resume it by id.
--rate: 0 < n <= 2000 (default 1000); --concurrency: 1 to 256 (default 16).
--aws starts the campaign in the stack's campaign function (env CAMPAIGN_FUNCTION, default
line-groups-campaign-planner) and returns; follow it with: npm run campaign -- status <id> --aws
Add --json for machine-readable output.`;

export const DEFAULT_CAMPAIGN_FUNCTION = 'line-groups-campaign-planner';

export function campaignMessages(couponId: string, messageFile?: string): Message[] {
  const card = messageFile ? (JSON.parse(readFileSync(messageFile, 'utf8')) as Message) : undefined;
  return [...(card ? [card] : []), { type: 'coupon', couponId }];
}

/** A campaign run from this process (this CLI, the console): the tables and LINE it was given. */
export function campaignDepsFor(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: PushSender;
  pushesPerSecond: number;
  concurrency: number;
  warn(message: string): void;
  error(message: string): void;
}): CampaignDeps {
  const { client, tables } = options;
  return {
    registry: new DynamoDbGroupRegistry({ client, tables, eventRetentionDays: 90 }),
    // Read only (chats by reach): the retention sets the expiry of writes, and this makes none.
    reach: new DynamoDbMemberStore({ client, tables, retentionDays: 180 }),
    store: new DynamoDbCampaignStore(client, tables),
    line: options.line,
    limiter: new RateLimiter(options.pushesPerSecond),
    log: { debug: () => undefined, info: () => undefined, warn: options.warn, error: options.error },
    telemetry: { count: () => undefined },
    now: () => new Date(),
    concurrency: options.concurrency,
    maxAttempts: 5,
  };
}

/** `send --friend-card --below-reach <share>`: the card (and a coupon) to chats below a reach. */
export async function friendCardSpec(
  values: {
    'friend-card': boolean;
    'below-reach'?: string;
    coupon?: string;
    to?: string;
    id?: string;
    message?: string;
  },
  settings: Pick<DynamoDbSettingsStore, 'templateOverrides'>,
): Promise<Pick<Campaign, 'campaignId' | 'couponId' | 'messages' | 'belowReach'>> {
  if (!values['friend-card'] || values['below-reach'] === undefined)
    throw new UsageError('the friend-add card goes with --friend-card --below-reach <0..1> together');
  if (values.to !== undefined || values.message !== undefined)
    throw new UsageError("--friend-card sends the templates' card to chats by reach: no --to, no --message");
  const belowReach = Number(values['below-reach']);
  if (!/^\d*\.?\d+$/.test(values['below-reach']) || belowReach <= 0 || belowReach > 1)
    throw new UsageError(
      `--below-reach: a share above 0 and at most 1 (0.5 = half), not "${values['below-reach']}"`,
    );
  const card = renderFriendCard(loadTemplates(await settings.templateOverrides()));
  const messages = [card, ...(values.coupon ? campaignMessages(values.coupon) : [])];
  const name = `friend-card-below-${Math.round(belowReach * 100)}`;
  return {
    campaignId: values.id ?? defaultCampaignId(values.coupon ? `${name}-${values.coupon}` : name, messages),
    messages,
    belowReach,
    ...(values.coupon && { couponId: values.coupon }),
  };
}

export const defaultCampaignId = (couponId: string, messages: Message[]) =>
  `${couponId}-${createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 8)}`;

const describe = (s: CampaignSummary, campaign?: Pick<Campaign, 'status' | 'reason'>) =>
  [
    `campaign ${s.campaignId}: sent ${s.sent}, skipped ${s.skipped}, failed ${s.failed}${s.pending ? `, pending ${s.pending}` : ''}`,
    ...Object.entries(s.reasons).map(([reason, n]) => `  ${n} × ${reason}`),
    ...(campaign?.status === 'paused_quota'
      ? [
          `paused_quota: ${campaign.reason ?? "LINE's monthly limit"}`,
          `  when the quota allows: npm run campaign -- resume ${s.campaignId}`,
        ]
      : []),
  ].join('\n');

/** The same rule as the console's form; a bad value is a usage error (exit 2). */
function tuningFrom(values: { rate: string; concurrency: string }) {
  try {
    return parseCampaignTuning(values);
  } catch (error) {
    if (!(error instanceof InvalidTuningError)) throw error;
    throw new UsageError(`--${error.message}\n\n${campaignUsage}`);
  }
}

export async function campaignCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    {
      ...connectionOptions,
      coupon: { type: 'string' },
      message: { type: 'string' },
      to: { type: 'string' },
      'friend-card': { type: 'boolean', default: false },
      'below-reach': { type: 'string' },
      id: { type: 'string' },
      'ignore-quota': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '16' },
      rate: { type: 'string', default: '1000' },
    },
    campaignUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command, campaignIdArg] = positionals;
  const { client, tables } = connect(values, env);
  const store = new DynamoDbCampaignStore(client, tables);
  try {
    if (command === 'status') {
      if (!campaignIdArg) throw new UsageError('status: which campaign id?');
      const status = await campaignStatus(campaignIdArg, { store });
      if (values.json) out(JSON.stringify(status, null, 2));
      else if (!status.campaign)
        out(`no campaign ${campaignIdArg} (not started, or refused before it started)`);
      else out(describe(status.summary, status.campaign));
      return 0;
    }
    if (command !== 'send' && command !== 'resume')
      throw new UsageError(`unknown command "${command}"\n\n${campaignUsage}`);
    const tuning = tuningFrom(values);
    let spec: Pick<Campaign, 'campaignId' | 'couponId' | 'messages' | 'belowReach'>;
    if (command === 'resume') {
      if (!campaignIdArg) throw new UsageError('resume: which campaign id?');
      const campaign = await store.get(campaignIdArg);
      if (!campaign) throw new Error(`no campaign ${campaignIdArg}: start it with send`);
      const { campaignId, couponId, messages, belowReach } = campaign;
      spec = {
        campaignId,
        messages,
        ...(couponId !== undefined && { couponId }),
        ...(belowReach !== undefined && { belowReach }),
      };
    } else if (values['friend-card'] || values['below-reach'] !== undefined) {
      spec = await friendCardSpec(values, new DynamoDbSettingsStore(client, tables.settings));
    } else {
      if (!values.coupon) throw new UsageError('send needs --coupon <couponId>');
      if (values.to !== 'active')
        throw new UsageError('send needs --to active (the only audience a group campaign has)');
      const messages = campaignMessages(values.coupon, values.message);
      spec = {
        campaignId: values.id ?? defaultCampaignId(values.coupon, messages),
        couponId: values.coupon,
        messages,
      };
    }

    if (values.aws) {
      const lambda = new LambdaClient({});
      await lambda.send(
        new InvokeCommand({
          FunctionName: env.CAMPAIGN_FUNCTION || DEFAULT_CAMPAIGN_FUNCTION,
          InvocationType: 'Event',
          Payload: JSON.stringify({ ...spec, ignoreQuota: values['ignore-quota'] }),
        }),
      );
      out(
        `campaign ${spec.campaignId} started in AWS; follow it with: npm run campaign -- status ${spec.campaignId} --aws`,
      );
      return 0;
    }

    const deps = campaignDepsFor({
      client,
      tables,
      line: await connectLine(values, env),
      ...tuning,
      warn: () => undefined,
      error: (m) => console.error(m),
    });
    let bar: ReturnType<typeof progressBar> | undefined;
    const run: CampaignRun = await runCampaign(spec, { ignoreQuota: values['ignore-quota'] }, deps, {
      planned: (plan) => {
        if (!values.json) {
          out(
            `campaign ${spec.campaignId}: ${plan.groupIds.length} ${spec.belowReach === undefined ? 'active' : `active below ${Math.round(spec.belowReach * 100)}% reach`} group(s) to go, about ${plan.cost} message(s) (one per member)` +
              (plan.remainingQuota === undefined
                ? ' (no monthly limit)'
                : ` of ${plan.remainingQuota} left this month`),
          );
        }
        bar = progressBar(plan.groupIds.length);
      },
      outcome: (_groupId, outcome) => bar?.tick(outcome),
    });
    out(values.json ? JSON.stringify(run, null, 2) : describe(run, run));
    return run.status === 'done' && run.failed + run.pending === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}
