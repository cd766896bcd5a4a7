import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { CONSOLE_ROLES, type ConsoleRole } from '../console/auth/roles';
import { parseCommandLine } from './args';
import { cliAudit } from './audit';
import { connect } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const operatorsUsage = `Usage:
  npm run operators -- add <email> --role viewer|operator    invite someone (Cognito emails a temporary password)
  npm run operators -- set-role <email> --role viewer|operator
  npm run operators -- remove <email>                        deletes the user: they can no longer sign in
  npm run operators -- list
The stack's user pool: --user-pool <id> or OPERATORS_USER_POOL_ID (the ConsoleUserPoolId output).
Uses your AWS credentials; each change is added to the audit trail. Add --json for machine-readable output.`;

// A user pool id is <region>_<id>: the region comes with it.
const USER_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function roleOf(value: string | undefined): ConsoleRole {
  if (value === 'viewer' || value === 'operator') return value;
  throw new UsageError(`--role: expected viewer or operator, got "${value ?? ''}"`);
}

interface Operator {
  email: string;
  role: ConsoleRole;
  status: string;
  enabled: boolean;
}

/** Cognito in the pool's region; AWS_ENDPOINT_URL(_COGNITO_IDENTITY_PROVIDER) read from `env` too. */
function cognitoClient(region: string, env: NodeJS.ProcessEnv) {
  const endpoint = env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER || env.AWS_ENDPOINT_URL;
  return new CognitoIdentityProviderClient({ region, ...(endpoint && { endpoint }) });
}

const attribute = (user: UserType, name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;

/**
 * `npm run operators`: who may use the deployed console, and with which role (the user pool's
 * groups `operator` and `viewer`, which the ID token carries as `cognito:groups`).
 */
export async function operatorsCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    { role: { type: 'string' }, 'user-pool': { type: 'string' } },
    operatorsUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command, email] = positionals;
  if (!['add', 'set-role', 'remove', 'list'].includes(command ?? ''))
    throw new UsageError(`unknown command "${command}"\n\n${operatorsUsage}`);
  if (command !== 'list' && !(email && EMAIL.test(email)))
    throw new UsageError(`${command}: which email? got "${email ?? ''}"`);
  const role = command === 'add' || command === 'set-role' ? roleOf(values.role) : 'viewer';
  const userPoolId = values['user-pool'] || env.OPERATORS_USER_POOL_ID || '';
  const region = USER_POOL_ID.exec(userPoolId)?.[1];
  if (!region)
    throw new UsageError(
      `which user pool? --user-pool <region>_<id> or OPERATORS_USER_POOL_ID (the stack's ConsoleUserPoolId output), got "${userPoolId}"`,
    );

  const cognito = cognitoClient(region, env);
  const { client, tables } = connect({ aws: true }, env);
  const recordChange = cliAudit({ aws: true }, env, client, tables);
  const print = (value: unknown, human: string) => out(values.json ? JSON.stringify(value, null, 2) : human);
  const Username = email ?? '';
  const setGroups = async (wanted: ConsoleRole) => {
    const { Groups = [] } = await cognito.send(
      new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username }),
    );
    for (const group of Groups)
      if (group.GroupName !== wanted && (CONSOLE_ROLES as readonly string[]).includes(group.GroupName ?? ''))
        await cognito.send(
          new AdminRemoveUserFromGroupCommand({
            UserPoolId: userPoolId,
            Username,
            GroupName: group.GroupName,
          }),
        );
    await cognito.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username, GroupName: wanted }),
    );
  };
  try {
    switch (command) {
      case 'add': {
        await cognito.send(
          new AdminCreateUserCommand({
            UserPoolId: userPoolId,
            Username,
            UserAttributes: [
              { Name: 'email', Value: Username },
              { Name: 'email_verified', Value: 'true' },
            ],
            DesiredDeliveryMediums: ['EMAIL'],
          }),
        );
        await setGroups(role);
        await recordChange('operators.add', `operator:${Username}`, { role });
        print({ email: Username, role }, `added ${Username} as ${role}: Cognito emails a temporary password`);
        return 0;
      }
      case 'set-role': {
        await setGroups(role);
        await recordChange('operators.set-role', `operator:${Username}`, { role });
        print(
          { email: Username, role },
          `${Username} is now ${role} (from their next sign-in; a session lasts 12 hours at most)`,
        );
        return 0;
      }
      case 'remove': {
        await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username }));
        await recordChange('operators.remove', `operator:${Username}`);
        print({ email: Username, removed: true }, `removed ${Username}: they can no longer sign in`);
        return 0;
      }
      default: {
        const operators: Operator[] = [];
        for (const group of CONSOLE_ROLES) {
          let NextToken: string | undefined;
          do {
            const page = await cognito.send(
              new ListUsersInGroupCommand({
                UserPoolId: userPoolId,
                GroupName: group,
                ...(NextToken && { NextToken }),
              }),
            );
            for (const user of page.Users ?? []) {
              const email = attribute(user, 'email') ?? user.Username ?? '';
              // Someone in both groups is an operator.
              if (operators.some((o) => o.email === email)) continue;
              operators.push({
                email,
                role: group,
                status: user.UserStatus ?? '',
                enabled: user.Enabled ?? false,
              });
            }
            NextToken = page.NextToken;
          } while (NextToken);
        }
        print(
          { operators },
          `${formatTable(operators as unknown as Record<string, unknown>[], ['email', 'role', 'status', 'enabled'])}\n${operators.length} person(s) may sign in to the console`,
        );
        return 0;
      }
    }
  } finally {
    cognito.destroy();
    client.destroy();
  }
}
