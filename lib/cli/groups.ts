import { DynamoDbGroupRegistry } from '../../lambda/adapters/dynamodb/group-registry';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { DynamoDbRegistryStats } from '../../lambda/adapters/dynamodb/registry-stats';
import { chatsByReach } from '../../lambda/app/members/queries';
import { chatsToReinvite } from '../../lambda/app/reinvite';
import type { Group, GroupStatus } from '../../lambda/domain/group';
import { parseCommandLine } from './args';
import { cliAudit } from './audit';
import { leaveGroup } from '../../lambda/app/leave-group';
import { defaultLifecyclePolicy } from '../../lambda/domain/lifecycle';
import { connect, connectLine, connectionOptions } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export { UsageError };

export const groupsUsage = `Usage:
  npm run groups -- list [--status <active|left|ejected>] [--since <ISO time|7d|12h|30m>] [--limit <n>] [--json]
  npm run groups -- show <groupId> [--events <n>] [--json]
  npm run groups -- leave <groupId>      make the OA leave (recorded as left_by_operator)
  npm run groups -- reinvite [--since <ISO time|7d|12h|30m>] [--json]
                                         chats of the latest mass leave (or all since): ask for a new invitation
  npm run groups -- reach [--below <0..1>] [--limit <n>] [--json]
                                         active chats, lowest reach first: the share of members who are
                                         friends (a broadcast reaches friends only, never a group)

Reads the local stack (npm start) by default; --aws reads AWS with the standard AWS credentials and
region; DYNAMODB_ENDPOINT overrides the endpoint. Tables: --groups-table/--events-table, else
GROUPS_TABLE/GROUP_EVENTS_TABLE, else the defaults the server uses.`;

const STATUSES: GroupStatus[] = ['active', 'left', 'ejected'];
const LIST_COLUMNS = [
  'groupId',
  'chatType',
  'status',
  'statusChangedAt',
  'leaveReason',
  'groupName',
  'memberCount',
  'joinCount',
  'joinedAt',
  'lastActivityAt',
];
const REINVITE_COLUMNS = ['groupId', 'groupName', 'memberCount', 'lastActivityAt', 'leftAt'];
const REACH_COLUMNS = ['groupId', 'groupName', 'memberCount', 'knownMembers', 'friends', 'reach'];
const EVENT_COLUMNS = [
  'eventAt',
  'eventType',
  'decision',
  'status',
  'leaveReason',
  'isRedelivery',
  'webhookEventId',
];

/**
 * The chats with their `lastActivityAt`, which the byStatus index leaves out (it changes with every
 * message): one BatchGetItem per 100 chats, so a page of 50 costs one more request.
 */
export async function withLastActivity(
  groups: Group[],
  registry: Pick<DynamoDbGroupRegistry, 'getMany'>,
): Promise<Group[]> {
  if (groups.length === 0) return groups;
  const chats = await registry.getMany(groups.map((g) => g.groupId));
  return groups.map((g) => {
    const lastActivityAt = chats.get(g.groupId)?.lastActivityAt;
    return lastActivityAt ? { ...g, lastActivityAt } : g;
  });
}

/** `7d`, `12h`, `30m` as milliseconds; undefined for anything else. */
export function durationMs(value: string): number | undefined {
  const relative = /^(\d+)([dhm])$/.exec(value);
  if (!relative) return undefined;
  return Number(relative[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
}

/** An ISO-8601 time, answered as ISO-8601 UTC. */
export function parseTime(value: string, flag: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new UsageError(`${flag}: expected an ISO-8601 time or 7d/12h/30m, got "${value}"`);
  return new Date(time).toISOString();
}

/** `7d`, `12h`, `30m` before `now`, or an ISO-8601 time. */
export function parseSince(value: string, now = new Date()): string {
  const ms = durationMs(value);
  return ms === undefined ? parseTime(value, '--since') : new Date(now.getTime() - ms).toISOString();
}

/** The operators' `groups` command. Resolves to the process exit code. */
export async function groupsCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    {
      ...connectionOptions,
      status: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      below: { type: 'string' },
      events: { type: 'string', default: '20' },
    },
    groupsUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command, groupId] = positionals;
  const { client, tables } = connect(values, env);
  const registry = new DynamoDbGroupRegistry({ client, tables, eventRetentionDays: 90 });
  try {
    switch (command) {
      case 'list': {
        const status = values.status as GroupStatus | undefined;
        if (status !== undefined && !STATUSES.includes(status))
          throw new UsageError(`--status: expected one of ${STATUSES.join(', ')}`);
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
          throw new UsageError('--limit: expected a positive whole number');
        const query = { ...(values.since && { since: parseSince(values.since) }), ...(limit && { limit }) };
        // Without --status: one index query per status (still no Scan), newest change first.
        const listed = (
          await Promise.all((status ? [status] : STATUSES).map((s) => registry.listByStatus(s, query)))
        )
          .flat()
          .sort((a, b) => b.statusChangedAt.localeCompare(a.statusChangedAt))
          .slice(0, limit);
        const groups = await withLastActivity(listed, registry);
        out(
          values.json
            ? JSON.stringify(groups, null, 2)
            : `${formatTable(groups as unknown as Record<string, unknown>[], LIST_COLUMNS)}\n${groups.length} ${status ? `${status} ` : ''}chat(s)`,
        );
        return 0;
      }
      case 'show': {
        if (!groupId) throw new UsageError('show: which groupId?');
        const found = await registry.get(groupId);
        const reach =
          found && (await new DynamoDbMemberStore({ client, tables, retentionDays: 180 }).reach(groupId));
        const group = found && {
          ...found,
          knownMembers: reach?.reach.knownMembers ?? 0,
          friends: reach?.reach.friends ?? 0,
          reach: reach?.reach.reach ?? null,
        };
        if (!group) {
          out(
            values.json
              ? JSON.stringify({ error: `no chat ${groupId}` })
              : `No chat ${groupId} in ${tables.groups}.`,
          );
          return 1;
        }
        const events = await registry.recentEvents(groupId, Number(values.events));
        if (values.json) {
          out(JSON.stringify({ group, events }, null, 2));
        } else {
          const width = Math.max(...Object.keys(group).map((k) => k.length));
          out(
            Object.entries(group)
              .map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`)
              .join('\n'),
          );
          out(
            `\nRecent events (newest first):\n${formatTable(events as unknown as Record<string, unknown>[], EVENT_COLUMNS)}`,
          );
        }
        return 0;
      }
      case 'reach': {
        const below = values.below === undefined ? undefined : Number(values.below);
        if (below !== undefined && !(below >= 0 && below <= 1))
          throw new UsageError('--below: expected a share from 0 to 1 (0.5 is 50 %)');
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
          throw new UsageError('--limit: expected a positive whole number');
        const chats = await chatsByReach(
          { ...(below !== undefined && { below }), ...(limit && { limit }) },
          { members: new DynamoDbMemberStore({ client, tables, retentionDays: 180 }) },
        );
        out(
          values.json
            ? JSON.stringify({ chats }, null, 2)
            : `${formatTable(
                chats.map((c) => ({ ...c, reach: c.reach === null ? '-' : `${Math.round(c.reach * 100)}%` })),
                REACH_COLUMNS,
              )}\n${chats.length} active chat(s), lowest reach first. Reach = friends / members: members we do not know count as not reached.`,
        );
        return 0;
      }
      case 'reinvite': {
        const since = values.since ? parseSince(values.since) : undefined;
        const { massLeave, chats } = await chatsToReinvite(
          { ...(since && { since }) },
          { directory: registry, stats: new DynamoDbRegistryStats(client, tables.registryStats) },
        );
        const about = massLeave
          ? `the mass leave of ${massLeave.windowStart} to ${massLeave.windowEnd}`
          : since
            ? `mass leaves since ${since}`
            : 'no mass leave recorded';
        out(
          values.json
            ? JSON.stringify({ ...(massLeave && { massLeave }), chats }, null, 2)
            : `${formatTable(chats as unknown as Record<string, unknown>[], REINVITE_COLUMNS)}\n${chats.length} chat(s) to ask for a new invitation (${about}).\nTurn "allow joining group chats" back on first (LINE Official Account Manager > Settings).`,
        );
        return 0;
      }
      case 'leave': {
        if (!groupId) throw new UsageError('leave: which groupId?');
        const group = await leaveGroup(groupId, {
          registry,
          line: await connectLine(values, env),
          policy: defaultLifecyclePolicy,
          now: () => new Date(),
        });
        await cliAudit(values, env, client, tables)('groups.leave', `group:${groupId}`);
        out(
          values.json
            ? JSON.stringify(group, null, 2)
            : `asked LINE to make the OA leave ${groupId}; its leave will read left_by_operator`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${groupsUsage}`);
    }
  } finally {
    client.destroy();
  }
}
