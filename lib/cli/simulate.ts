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
import { newGroupId, type WebhookEvent } from '../local/simulator/webhook-events';
import { parseCommandLine } from './args';
import { UsageError } from './usage-error';

export const simulateUsage = `Usage: npm run simulate -- <command> [options]

Commands (groupId: C… for a group, R… for a multi-person chat; omitted = the last one used,
or a new group for join/eject). LINE sends nothing from a chat the OA is not in, so with the local
emulator every command but join and eject is refused there unless --force is given:
  join [groupId]                 the OA is invited into a group
  leave [groupId]                the OA is removed
  message [groupId] <text>       a member says something
  postback [groupId] <data>      a member taps a postback action
  member-joined [groupId]        someone joins the group
  member-left [groupId]          someone leaves the group
  eject [groupId]                join, then LINE removes the OA at once (another OA is there)
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

interface SimulatorState {
  lastGroupId?: string;
  lastEvents?: WebhookEvent[];
}

function loadState(): SimulatorState {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as SimulatorState) : {};
}

function saveState(state: SimulatorState) {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

/** Turns `simulate` arguments into a command; `last` supplies the group when none is named. */
export function parseCommand(positionals: string[], state: SimulatorState): Command {
  const [name, ...rest] = positionals;
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
  switch (name) {
    case 'join':
    case 'eject':
      return { name, groupId: named ?? newGroupId() };
    case 'leave':
    case 'member-joined':
    case 'member-left':
      return { name, groupId: existing() };
    case 'message':
      return { name, groupId: existing(), text: text() };
    case 'postback':
      return { name, groupId: existing(), data: text() };
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
    const chat = source?.groupId ?? source?.roomId ?? '';
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
    },
    simulateUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const state = loadState();
  const command = parseCommand(positionals, state);
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
    lastEvents: last?.events ?? state.lastEvents,
  });
  out(values.json ? JSON.stringify(steps, null, 2) : steps.flatMap(describeStep).join('\n'));
  return steps.every((s) => s.response.status === 200) ? 0 : 1;
}
