import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../../lambda/adapters/dynamodb/create-tables';
import {
  environmentFor,
  tableDefinitions,
  tableNamesFrom,
  tableRoles,
} from '../../lambda/adapters/dynamodb/tables';
import type { Group, GroupStatus } from '../../lambda/domain/group';
import { localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local';
import { enrichDueGroups } from '../../lambda/app/enrich-groups';
import { loadConfig } from '../../lambda/config';
import { processStream } from '../../lambda/runtime/process-stream';
import { createProcessorRuntime } from '../../lambda/runtime/processor-runtime';
import { startLineEmulator } from '../local/line-emulator/server';
import { handleSweepEvent } from '../../lambda/runtime/sweep-event';
import { startLocalProcessing } from '../local/processing';
import type { EmulatorOptions } from '../local/line-emulator/state';
import { freePort } from '../local/ports';
import { newGroupId } from '../local/simulator/webhook-events';
import { startCountingProxy } from './counting-proxy';

export const BENCH_SECRET = 'bench-channel-secret';
export const BENCH_TOKEN = 'bench-channel-access-token';
export const quiet = {
  log: { debug() {}, info() {}, warn() {}, error() {} },
  telemetry: { count() {} },
};

/** DynamoDB Local behind a request-counting proxy, the LINE emulator, and the tables. */
export async function startBenchEnvironment(emulator: Partial<EmulatorOptions> = {}) {
  const db = await startDynamoDbLocal({ port: await freePort() });
  const proxy = await startCountingProxy(db.endpoint);
  const waiting = new Map<string, () => void>();
  const line = await startLineEmulator({
    channelAccessToken: BENCH_TOKEN,
    ...emulator,
    onSent: (sent) => waiting.get(sent.to)?.(),
  });
  const tables = tableNamesFrom({});
  const raw = localDynamoDbClient(db.endpoint);
  for (const role of tableRoles) await ensureTable(raw, tables[role], tableDefinitions[role]);
  const documents = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const env = {
    DYNAMODB_ENDPOINT: proxy.endpoint,
    ...environmentFor(tables),
    LINE_API_BASE_URL: line.url,
    LINE_CHANNEL_SECRET: BENCH_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN: BENCH_TOKEN,
    SETTINGS_CACHE_SECONDS: '30',
  };

  /** Writes `count` groups straight to the table (BatchWriteItem, 25 at a time, 8 in flight). */
  async function seedGroups(
    count: number,
    status: (i: number) => GroupStatus = () => 'active',
  ): Promise<string[]> {
    const at = new Date().toISOString();
    const groups: (Group & { version: number })[] = Array.from({ length: count }, (_, i) => ({
      groupId: newGroupId(),
      groupName: `店舗グループ ${i}`,
      chatType: 'group',
      firstSeenAt: at,
      joinedAt: at,
      joinCount: 1,
      status: status(i),
      statusChangedAt: at,
      memberCount: 3,
      version: 1,
    }));
    const chunks: (typeof groups)[] = [];
    for (let i = 0; i < groups.length; i += 25) chunks.push(groups.slice(i, i + 25));
    const worker = async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        let items = chunk.map((Item) => ({ PutRequest: { Item } }));
        while (items.length > 0) {
          const { UnprocessedItems } = await documents.send(
            new BatchWriteCommand({ RequestItems: { [tables.groups]: items } }),
          );
          items = (UnprocessedItems?.[tables.groups] ?? []) as typeof items;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    for (const g of groups)
      line.state.chats.set(g.groupId, {
        chatType: 'group',
        groupName: g.groupId,
        memberCount: 3,
        isMember: true,
      });
    return groups.map((g) => g.groupId);
  }

  /**
   * The processor on the inbox stream, as Lambda runs it: the stream is read straight from
   * DynamoDB Local, the processor's own reads and writes go through the counting proxy.
   */
  /**
   * `uncounted`: straight to DynamoDB Local, past the counting proxy, whose re-encoding of every
   * request takes the CPU the run measures (the throughput run counts events, not units).
   */
  async function startProcessing(options: { uncounted?: boolean } = {}) {
    const config = loadConfig(options.uncounted ? { ...env, DYNAMODB_ENDPOINT: db.endpoint } : env);
    const runtime = await createProcessorRuntime(config, quiet);
    const handlerTime = { ms: 0, invocations: 0, records: 0 };
    const processing = await startLocalProcessing({
      endpoint: db.endpoint,
      inboxTable: tables.inbox,
      // Timed as Lambda bills it: from the batch handed over to its answer.
      handler: async (event) => {
        const started = performance.now();
        try {
          return await processStream(event, runtime.processing);
        } finally {
          handlerTime.ms += performance.now() - started;
          handlerTime.invocations += 1;
          handlerTime.records += event.Records.length;
        }
      },
      sweep: () => enrichDueGroups(config.enrichmentTimeoutMs, runtime.enrichment),
      sweepIntervalMs: 3_600_000,
      inboxSweeper: (event) => handleSweepEvent(event, runtime.sweep),
      // Only what this measurement writes: earlier ones left their items in the inbox.
      startingPosition: 'LATEST',
    });
    return Object.assign(processing, {
      /** The processor handler's time so far (and reset): what Lambda would bill. */
      handlerTime: () => {
        const time = { ...handlerTime };
        Object.assign(handlerTime, { ms: 0, invocations: 0, records: 0 });
        return time;
      },
    });
  }

  /** Resolves when LINE (the emulator) receives a message for this chat. */
  const replyTo = (groupId: string) =>
    new Promise<void>((resolve) => waiting.set(groupId, () => (waiting.delete(groupId), resolve())));

  return {
    env,
    /** DynamoDB Local itself, not through the counting proxy. */
    dynamoDbEndpoint: db.endpoint,
    tables,
    startProcessing,
    replyTo,
    documents,
    proxy,
    line,
    seedGroups,
    async close() {
      await line.close();
      await proxy.close();
      raw.destroy();
      await db.stop();
    },
  };
}

export type BenchEnvironment = Awaited<ReturnType<typeof startBenchEnvironment>>;
