import { DynamoDbAttendanceStore } from '../../lambda/adapters/dynamodb/attendance-store';
import { attendanceHolder } from '../../lambda/app/attendance/manage-attendance';
import { DynamoDbFriendshipStore } from '../../lambda/adapters/dynamodb/friendship-store';
import { DynamoDbInbox } from '../../lambda/adapters/dynamodb/inbox';
import { DynamoDbMemberStore } from '../../lambda/adapters/dynamodb/member-store';
import { MemberCache } from '../../lambda/app/members/member-cache';
import { exportPerson, forgetPerson } from '../../lambda/app/members/personal-data';
import { DynamoDbAudienceStore } from '../../lambda/adapters/dynamodb/audience-store';
import { audiencesHolder } from '../../lambda/app/audiences/personal-data';
import { listMembers } from '../../lambda/app/members/queries';
import { syncMembers } from '../../lambda/app/members/read-people';
import { parseCommandLine } from './args';
import { cliAudit } from './audit';
import { connect, connectLine, connectionOptions } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const membersUsage = `Usage:
  npm run members -- list <groupId> [--json]       who is in the chat: name, present or left, friend or not
  npm run members -- sync <groupId> [--json]       ask LINE for the chat's member list (verified and premium
                                                   accounts only; others learn members from events)
  npm run members -- export <userId> --json        everything held about a person (an access request)
  npm run members -- forget <userId> [--json]      delete a person from every table (a deletion request)

Reads the local stack (npm start) by default; --aws reads AWS with the standard AWS credentials and
region; DYNAMODB_ENDPOINT overrides the endpoint.`;

const LIST_COLUMNS = ['userId', 'displayName', 'status', 'isFriend', 'firstSeenAt', 'lastSeenAt'];
const MEMBER_RETENTION_DAYS = 180;

/** The operators' `members` command. Resolves to the process exit code. */
export async function membersCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(argv, { ...connectionOptions }, membersUsage, out);
  if (exit !== undefined) return exit;
  const [command, id] = positionals;
  if (!id)
    throw new UsageError(
      `${command ?? 'members'}: which ${command === 'list' || command === 'sync' ? 'groupId' : 'userId'}?\n\n${membersUsage}`,
    );
  const { client, tables } = connect(values, env);
  const retentionDays = Number(env.MEMBER_RETENTION_DAYS || MEMBER_RETENTION_DAYS);
  const members = new DynamoDbMemberStore({ client, tables, retentionDays });
  const friendships = new DynamoDbFriendshipStore({ client, tableName: tables.friendships, retentionDays });
  const inbox = new DynamoDbInbox({ client, tableName: tables.inbox, retentionDays: 1 });
  const holders = [
    audiencesHolder({ store: new DynamoDbAudienceStore(client, tables.audiences), members }),
    attendanceHolder(new DynamoDbAttendanceStore({ client, tables, retentionDays: 0 })),
  ];
  const print = (value: unknown, human: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : human());
  try {
    switch (command) {
      case 'list': {
        const rows = await listMembers(id, { members, friendships });
        print(
          { groupId: id, members: rows },
          () =>
            `${formatTable(rows as unknown as Record<string, unknown>[], LIST_COLUMNS)}\n${rows.filter((r) => r.status === 'present').length} present, ${rows.filter((r) => r.isFriend).length} friend(s) of them and others`,
        );
        return 0;
      }
      case 'sync': {
        const listed = await syncMembers(id, {
          members,
          friendships,
          memberCache: new MemberCache(),
          line: await connectLine(values, env),
          recheckMs: Number(env.FRIENDSHIP_RECHECK_DAYS || 7) * 86_400_000,
          timeoutMs: 20_000,
          clock: { now: () => new Date() },
          log: { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
          telemetry: { count() {} },
        });
        await cliAudit(values, env, client, tables)('members.sync', `group:${id}`, { listed });
        print({ groupId: id, listed }, () =>
          listed
            ? `LINE listed the members of ${id}: npm run members -- list ${id}`
            : `LINE does not list members for this account (verified and premium accounts only): members are learnt from events`,
        );
        return 0;
      }
      case 'export': {
        const held = await exportPerson(id, { members, friendships, inbox, holders });
        print({ userId: id, held }, () => JSON.stringify({ userId: id, held }, null, 2));
        return 0;
      }
      case 'forget': {
        const deleted = await forgetPerson(id, { members, friendships, inbox, holders });
        // The trail keeps that a person was forgotten, never who (that would undo the forgetting).
        await cliAudit(values, env, client, tables)('members.forget', 'member', deleted);
        print(
          { userId: id, deleted },
          () =>
            `deleted ${id} from ${Object.entries(deleted)
              .map(([holder, n]) => `${holder} (${n})`)
              .join(', ')}`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${membersUsage}`);
    }
  } finally {
    client.destroy();
  }
}
