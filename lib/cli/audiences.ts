import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAudienceStore } from '../../lambda/adapters/dynamodb/audience-store';
import { DynamoDbFriendshipStore } from '../../lambda/adapters/dynamodb/friendship-store';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import {
  type AudienceDeps,
  createAudience,
  listAudiences,
  refreshAudience,
} from '../../lambda/app/audiences/manage-audiences';
import type { AudienceApi } from '../../lambda/app/audiences/ports';
import {
  type AudienceSource,
  InvalidAudienceError,
  parseBelowReach,
  parseGroupIds,
} from '../../lambda/domain/audiences';
import { parseCommandLine } from './args';
import { connect, connectAudiences, connectionOptions } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const audiencesUsage = `Usage:
  npm run audiences -- list [--json]
      LINE's audiences (OA Manager's chat tags included), origin "line-groups" for the ones made here
  npm run audiences -- create --name <desc> (--groups <id,id,…> | --below-reach <0..1>) [--friends-only] [--json]
      uploads the present members of those chats (friends only when asked) to a new audience
  npm run audiences -- refresh <audienceGroupId> [--json]
      adds the members who joined (or became friends) since the last upload

An audience takes LINE a while to become READY (hours on LINE, AUDIENCE_READY_SECONDS locally).
Only OAs in Japan, Thailand and Taiwan can make audiences. Send to one with:
  npm run campaign -- start --audience <audienceGroupId> --coupon <couponId>
Reads the local stack (npm start) by default; --aws reads AWS.`;

const LIST_COLUMNS = [
  'audienceGroupId',
  'description',
  'type',
  'status',
  'audienceCount',
  'origin',
  'expiresAt',
];
const MEMBER_RETENTION_DAYS = 180;

/** The use case's adapters for a process (this CLI, the console). */
export function audienceDepsFor(options: {
  client: DynamoDBDocumentClient;
  tables: Record<TableRole, string>;
  line: AudienceApi;
  env?: NodeJS.ProcessEnv;
}): AudienceDeps {
  const { client, tables } = options;
  const retentionDays = Number(options.env?.MEMBER_RETENTION_DAYS || MEMBER_RETENTION_DAYS);
  return {
    line: options.line,
    store: new DynamoDbAudienceStore(client, tables.audiences),
    members: new DynamoDbMemberStore({ client, tables, retentionDays }),
    friendships: new DynamoDbFriendshipStore({ client, tableName: tables.friendships, retentionDays }),
    now: () => new Date(),
  };
}

/** A bad flag value is a usage error (exit 2), said the way the rule says it. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw asUsage(error);
  }
}

const asUsage = (error: unknown) =>
  error instanceof InvalidAudienceError ? new UsageError(`${error.message}\n\n${audiencesUsage}`) : error;

/** The operators' `audiences` command. Resolves to the process exit code. */
export async function audiencesCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    {
      ...connectionOptions,
      name: { type: 'string' },
      groups: { type: 'string' },
      'below-reach': { type: 'string' },
      'friends-only': { type: 'boolean', default: false },
    },
    audiencesUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command, id] = positionals;
  let source: AudienceSource | undefined;
  let audienceGroupId: number | undefined;
  if (command === 'create') {
    if (!values.name) throw new UsageError(`create needs --name <desc>\n\n${audiencesUsage}`);
    if ((values.groups === undefined) === (values['below-reach'] === undefined))
      throw new UsageError(`create needs one of --groups or --below-reach\n\n${audiencesUsage}`);
    source = parsed(() =>
      values.groups !== undefined
        ? { groups: parseGroupIds(values.groups) }
        : { belowReach: parseBelowReach(values['below-reach'] ?? '') },
    );
  } else if (command === 'refresh') {
    if (!id || !/^\d+$/.test(id))
      throw new UsageError(`refresh: which audienceGroupId (a number)?\n\n${audiencesUsage}`);
    audienceGroupId = Number(id);
  } else if (command !== 'list') {
    throw new UsageError(`unknown command "${command}"\n\n${audiencesUsage}`);
  }

  const { client, tables } = connect(values, env);
  const deps = audienceDepsFor({ client, tables, line: await connectAudiences(values, env), env });
  const print = (value: unknown, human: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : human());
  try {
    if (source) {
      const created = await createAudience(
        { name: values.name ?? '', source, friendsOnly: values['friends-only'] },
        deps,
      ).catch((error: unknown) => Promise.reject(asUsage(error)));
      print(
        created,
        () =>
          `audience ${created.audienceGroupId}: ${created.userCount} user(s) uploaded, ${created.status}` +
          (created.status === 'READY' ? '' : ' (LINE makes it READY later; a campaign waits for it)'),
      );
    } else if (audienceGroupId !== undefined) {
      const refreshed = await refreshAudience(audienceGroupId, deps).catch((error: unknown) =>
        Promise.reject(asUsage(error)),
      );
      print(
        refreshed,
        () =>
          `audience ${refreshed.audienceGroupId}: ${refreshed.added} user(s) added, ${refreshed.userCount} uploaded in all, ${refreshed.status}`,
      );
    } else {
      const audiences = await listAudiences(deps);
      print({ audiences }, () =>
        audiences.length === 0
          ? 'no audiences yet: npm run audiences -- create --name <desc> --groups <id,…>'
          : formatTable(audiences as unknown as Record<string, unknown>[], LIST_COLUMNS),
      );
    }
    return 0;
  } finally {
    client.destroy();
  }
}
