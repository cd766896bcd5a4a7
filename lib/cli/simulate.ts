import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { localDefaults, localLineEmulatorUrl, localWebhookUrl } from '../local/defaults';
import { describeMessage } from '../local/line-emulator/conversation';
import { EmulatorControl } from '../local/simulator/client';
import {
  type Command,
  type RunOptions,
  Simulator,
  SimulatorRefusal,
  type Step,
} from '../local/simulator/scenarios';
import { newGroupId, newUserId, type WebhookEvent } from '../local/simulator/webhook-events';
import { parseCommandLine } from './args';
import { UsageError } from './usage-error';

export const simulateUsage = `Usage: npm run simulate -- <command> [options]

Commands (groupId: C… for a group, R… for a multi-person chat; omitted = the last one used,
or a new group for join/eject). LINE sends nothing from a chat the OA is not in, so with the local
emulator every command but join and eject is refused there unless --force is given:
  join [groupId]                 the OA is invited into a group
  leave [groupId]                the OA is removed
  message [groupId] <text>       a member says something: --user <userId> says who (default: the
                                 chat's usual member); --no-user: a sender LINE does not name
                                 (LINE for PC, or no consent)
  clock [groupId] <in|out|break|back>
                                 a member clocks in (出勤), out (退勤), starts (休憩) or ends (戻り) a
                                 break; --user, --no-user as for message, --at for the time
  postback [groupId] <data>      a member taps a postback action (--user, --no-user as for message)
  member-joined [groupId]        someone joins the group: --user <userId> (repeatable; default a new
                                 user), --name <display name> for each --user, in the same order
  member-left [groupId] --user <userId>
                                 they leave the group (repeatable)
  eject [groupId]                join, then LINE removes the OA at once (another OA is there)
  follow [userId]                a user adds the OA as a friend (a new user when omitted; --name
                                 <display name>); after an unfollow, it is an unblock
  unfollow [userId]              the user blocks the OA (omitted = the last one used)
  redeliver                      the last webhook again, as LINE redelivers it

Options:
  --url <url>       webhook URL (default ${localWebhookUrl}, the local stack)
  --secret <s>      channel secret to sign with (default LINE_CHANNEL_SECRET or the local default)
  --emulator <url>  LINE emulator to take reply tokens from and read replies back
                    (default ${localLineEmulatorUrl} when --url is the local stack; none otherwise)
  --at <ISO time>   the event's timestamp (default now)
  --force           send from a chat the OA is not in anyway: a late redelivery stamped
                    before the OA's last join, which cannot change the chat's status
  --json            print the steps as JSON`;

const STATE_FILE = '.local/simulator.json';
const CHAT_ID = /^[CR][0-9a-f]{32}$/;
const USER_ID = /^U[0-9a-f]{32}$/;

interface SimulatorState {
  lastGroupId?: string;
  lastUserId?: string;
  lastEvents?: WebhookEvent[];
}

/** The options that say who: `--user` (repeatable), `--no-user`, `--name` (repeatable). */
export interface PeopleFlags {
  user?: string[];
  noUser?: boolean;
  name?: string[];
}

function loadState(): SimulatorState {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as SimulatorState) : {};
}

function saveState(state: SimulatorState) {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

/** Who a command is about, from its flags; any flag the command cannot use is a usage error. */
function people(name: string | undefined, flags: PeopleFlags) {
  const users = flags.user ?? [];
  const names = flags.name ?? [];
  const onlyFor = (flag: string, given: boolean, commands: string[]) => {
    if (given && !commands.includes(name ?? ''))
      throw new UsageError(`${flag}: only ${commands.join(', ')} take it`);
  };
  onlyFor('--user', users.length > 0, ['message', 'postback', 'clock', 'member-joined', 'member-left']);
  onlyFor('--no-user', flags.noUser === true, ['message', 'postback', 'clock']);
  onlyFor('--name', names.length > 0, ['member-joined', 'follow']);
  for (const userId of users)
    if (!USER_ID.test(userId))
      throw new UsageError(`--user: expected a LINE user ID (U and 32 hex digits), got "${userId}"`);
  for (const displayName of names)
    if (displayName.trim() === '') throw new UsageError('--name: a display name cannot be empty');
  return { users, names };
}

/** Turns `simulate` arguments into a command; `last` supplies the group when none is named. */
export function parseCommand(positionals: string[], state: SimulatorState, flags: PeopleFlags = {}): Command {
  const [name, ...rest] = positionals;
  const { users, names } = people(name, flags);
  const named = rest[0] !== undefined && CHAT_ID.test(rest[0]) ? rest.shift() : undefined;
  const existing = () => {
    const groupId = named ?? state.lastGroupId;
    if (!groupId)
      throw new UsageError(`${name}: which group? Name one, or start with: npm run simulate -- join`);
    return groupId;
  };
  const text = () => {
    if (rest.length === 0) throw new UsageError(`${name}: what ${name === 'postback' ? 'data' : 'text'}?`);
    return rest.join(' ');
  };
  // A message or postback: the one --user, nobody with --no-user, the chat's usual member otherwise.
  const sender = () => {
    if (users.length > 1) throw new UsageError(`--user: a ${name} has one sender`);
    if (flags.noUser && users.length > 0) throw new UsageError('--user and --no-user: choose one');
    return flags.noUser ? { userId: null } : users[0] ? { userId: users[0] } : {};
  };
  /** follow and unfollow are about a user, in their 1:1 chat with the OA. */
  const user = (fallback: () => string) => {
    if (named) throw new UsageError(`${name}: takes a userId (U…), not a chat`);
    const [userId, ...extra] = rest;
    if (extra.length > 0) throw new UsageError(`${name}: unexpected "${extra.join(' ')}"`);
    if (userId !== undefined && !USER_ID.test(userId))
      throw new UsageError(`${name}: expected a LINE user ID (U and 32 hex digits), got "${userId}"`);
    return userId ?? fallback();
  };
  switch (name) {
    case 'join':
    case 'eject':
      return { name, groupId: named ?? newGroupId() };
    case 'leave':
      return { name, groupId: existing() };
    case 'member-joined': {
      if (names.length > Math.max(users.length, 1))
        throw new UsageError('--name: one for each --user, in the same order');
      const joined = users.length > 0 ? users : names.length > 0 ? [newUserId()] : [];
      const members = joined.map((userId, i) => ({ userId, ...(names[i] && { displayName: names[i] }) }));
      return { name, groupId: existing(), ...(members.length > 0 && { members }) };
    }
    case 'member-left':
      if (users.length === 0) throw new UsageError('member-left: who left? --user <userId>');
      return { name, groupId: existing(), userIds: users };
    case 'message':
      return { name, groupId: existing(), text: text(), ...sender() };
    case 'postback':
      return { name, groupId: existing(), data: text(), ...sender() };
    case 'clock': {
      // The default words: a chat whose operator changed `attendanceCommands` needs `message`.
      const words: Record<string, string> = { in: '出勤', out: '退勤', break: '休憩', back: '戻り' };
      const [kind, ...extra] = rest;
      const word = kind === undefined ? undefined : words[kind];
      if (!word || extra.length > 0) throw new UsageError('clock: in, out, break or back?');
      return { name: 'message', groupId: existing(), text: word, ...sender() };
    }
    case 'follow': {
      if (names.length > 1) throw new UsageError('--name: follow is one user, with one name');
      const userId = user(newUserId);
      return { name, userId, ...(names[0] && { displayName: names[0] }) };
    }
    case 'unfollow':
      return {
        name,
        userId: user(() => {
          if (!state.lastUserId)
            throw new UsageError('unfollow: who? Name a userId, or start with: npm run simulate -- follow');
          return state.lastUserId;
        }),
      };
    case 'redeliver':
      if (!state.lastEvents) throw new UsageError('redeliver: nothing was sent yet');
      return { name, events: state.lastEvents };
    default:
      throw new UsageError(name ? `unknown command "${name}"\n\n${simulateUsage}` : simulateUsage);
  }
}

export function describeStep(step: Step): string[] {
  const lines = step.events.map((e) => {
    const source = e.source as Record<string, string> | undefined;
    // follow and unfollow come from the user's 1:1 chat: the user is the chat here.
    const chat = source?.groupId ?? source?.roomId ?? source?.userId ?? '';
    const redelivery = (e.deliveryContext as { isRedelivery: boolean }).isRedelivery ? ' (redelivery)' : '';
    return `→ ${e.type} ${chat}${redelivery}  webhookEventId=${e.webhookEventId}`;
  });
  lines.push(`← HTTP ${step.response.status} ${step.response.body}`);
  for (const sent of step.sent)
    for (const m of sent.messages) lines.push(`  bot (${sent.via}) → ${sent.to}: ${describeMessage(m)}`);
  return lines;
}

export async function simulateCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    {
      url: { type: 'string' },
      secret: { type: 'string' },
      emulator: { type: 'string' },
      at: { type: 'string' },
      force: { type: 'boolean', default: false },
      user: { type: 'string', multiple: true },
      'no-user': { type: 'boolean', default: false },
      name: { type: 'string', multiple: true },
    },
    simulateUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const state = loadState();
  const command = parseCommand(positionals, state, {
    ...(values.user && { user: values.user }),
    noUser: values['no-user'],
    ...(values.name && { name: values.name }),
  });
  const options: RunOptions = { force: values.force };
  if (values.at !== undefined) {
    if (command.name === 'redeliver')
      throw new UsageError('--at: redeliver sends the same events again, with their own timestamps');
    const at = Date.parse(values.at);
    if (Number.isNaN(at)) throw new UsageError(`--at: expected an ISO-8601 time, got "${values.at}"`);
    options.at = at;
  }
  const url = values.url ?? localWebhookUrl;
  const emulatorUrl = values.emulator ?? (values.url ? undefined : localLineEmulatorUrl);
  const simulator = new Simulator({
    url,
    secret: values.secret ?? env.LINE_CHANNEL_SECRET ?? localDefaults.channelSecret,
    ...(emulatorUrl && { emulator: new EmulatorControl(emulatorUrl) }),
  });

  let steps: Step[];
  try {
    steps = await simulator.run(command, options);
  } catch (error) {
    // One line and nothing sent: the command asked for what LINE would never do.
    if (error instanceof SimulatorRefusal) throw new UsageError(error.message);
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      throw new Error(
        `nothing answers at ${url}${emulatorUrl ? ` or ${emulatorUrl}` : ''}: is \`npm start\` running?`,
        { cause: error },
      );
    }
    throw error;
  }
  const last = steps.at(-1);
  saveState({
    lastGroupId: 'groupId' in command ? command.groupId : state.lastGroupId,
    lastUserId: command.name === 'follow' || command.name === 'unfollow' ? command.userId : state.lastUserId,
    lastEvents: last?.events ?? state.lastEvents,
  });
  out(values.json ? JSON.stringify(steps, null, 2) : steps.flatMap(describeStep).join('\n'));
  return steps.every((s) => s.response.status === 200) ? 0 : 1;
}
