import { DynamoDbInbox } from '../../lambda/adapters/dynamodb/inbox';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import type { DeadLetter, SweptItem } from '../../lambda/app/ports';
import { replayDeadLetters } from '../../lambda/app/process-inbox';
import { loadConfig } from '../../lambda/config';
import { logger } from '../../lambda/runtime/observability';
import { createProcessorRuntime } from '../../lambda/runtime/processor-runtime';
import { localDefaults, localLineEmulatorUrl } from '../local/defaults';
import { parseCommandLine } from './args';
import { cliAudit } from './audit';
import { connect, connectionOptions } from './connection';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const eventsUsage = `Usage:
  npm run events -- failed [--json]      events whose processing gave up (dead letters), and why; then
                                         the batches the stream gave up on, which the sweep applies
  npm run events -- sweeps [--json]      those batches' items: waiting for the sweep (due) or applied (done)
  npm run events -- replay [--json]      process the dead letters again (each event takes effect at most once)

Reads the local stack (npm start) by default; --aws reads AWS with the standard AWS credentials and
region (replay then talks to LINE with the stack's secret, LINE_SECRET_ID); DYNAMODB_ENDPOINT
overrides the endpoint; INBOX_TABLE and the other table variables override the table names.`;

const LETTER_COLUMNS = ['failedAt', 'groupId', 'events', 'attempts', 'lastError'];
const SWEEP_COLUMNS = ['sweep', 'sweepAt', 'groupId', 'events', 'batch'];

/** The sweep's items, a line each, with the stream batch they came from. */
const sweepRows = (items: SweptItem[]) =>
  items.map((item) => ({
    ...item,
    events: item.events.map((e) => e.type).join(','),
    batch: `${item.abandonedBatch.shardId.slice(-12)} ${item.abandonedBatch.startSequenceNumber}..${item.abandonedBatch.endSequenceNumber}`,
  }));

const row = (letter: DeadLetter) => ({
  ...letter,
  events: letter.events.map((e) => e.type).join(','),
  lastError: letter.lastError.length > 80 ? `${letter.lastError.slice(0, 79)}…` : letter.lastError,
});

/** The operators' `events` command: the dead letters of the inbox, listed and replayed. */
export async function eventsCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(argv, { ...connectionOptions }, eventsUsage, out);
  if (exit !== undefined) return exit;
  const [command] = positionals;
  const { client, tables, endpoint } = connect(values, env);
  const print = (value: unknown, human: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : human());
  switch (command) {
    case 'failed': {
      const inbox = new DynamoDbInbox({ client, tableName: tables.inbox, retentionDays: 7 });
      const [letters, sweeps] = await Promise.all([inbox.deadLetters(), inbox.sweeps()]);
      print(letters, () =>
        [
          letters.length === 0
            ? 'no dead letters: every accepted event was processed'
            : `${formatTable(letters.map(row), LETTER_COLUMNS)}\n${letters.length} dead letter(s); npm run events -- replay${values.aws ? ' --aws' : ''}`,
          ...(sweeps.length === 0
            ? []
            : [
                `\nBatches the stream gave up on (nothing to do: the sweep applies them ${sweepDelay(env)} after arrival):`,
                formatTable(sweepRows(sweeps), SWEEP_COLUMNS),
              ]),
        ].join('\n'),
      );
      return 0;
    }
    case 'sweeps': {
      const inbox = new DynamoDbInbox({ client, tableName: tables.inbox, retentionDays: 7 });
      const sweeps = await inbox.sweeps();
      print(sweeps, () =>
        sweeps.length === 0
          ? 'nothing swept lately: the stream gave up on no batch'
          : formatTable(sweepRows(sweeps), SWEEP_COLUMNS),
      );
      return 0;
    }
    case 'replay': {
      // The processor's own wiring, pointed at the same tables and LINE as the CLI.
      const config = loadConfig({
        ...(values.aws
          ? { LINE_CHANNEL_SECRET: 'unused-by-the-cli' }
          : {
              LINE_CHANNEL_SECRET: localDefaults.channelSecret,
              LINE_CHANNEL_ACCESS_TOKEN: localDefaults.channelAccessToken,
              LINE_API_BASE_URL: localLineEmulatorUrl,
            }),
        ...env,
        ...(endpoint !== 'AWS' && { DYNAMODB_ENDPOINT: endpoint }),
        ...environmentFor(tables),
      });
      const { processing } = await createProcessorRuntime(config, {
        log: values.json ? quiet : logger,
        telemetry: { count: () => undefined },
      });
      const letters = await processing.inbox.deadLetters();
      const outcome = await replayDeadLetters(letters, processing);
      await cliAudit(
        values,
        env,
        client,
        tables,
      )('events.replay', 'inbox:dead-letters', {
        replayed: outcome.replayed,
        failed: outcome.failed.length,
      });
      print(outcome, () =>
        [
          `replayed ${outcome.replayed} of ${letters.length} dead letter(s)`,
          ...outcome.failed.map((f) => `  still failing: ${f.groupId} ${f.inboxKey}: ${f.error}`),
        ].join('\n'),
      );
      return outcome.failed.length > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${eventsUsage}`);
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sweepDelay = (env: NodeJS.ProcessEnv) => `${env.INBOX_SWEEP_AFTER_MINUTES ?? 15} min`;
