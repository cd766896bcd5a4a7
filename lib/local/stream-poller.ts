import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamBatchInfo } from '../../lambda/app/ports';
import { localCredentials, localRegion } from './dynamodb-local';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  handler: StreamHandler;
  /** Where to start in the shards there at start (the mapping's StartingPosition); new shards start at their beginning. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Records per invocation (the event source mapping's BatchSize). */
  batchSize?: number;
  /**
   * Batches of one shard handled at once (the mapping's ParallelizationFactor): records are spread
   * over this many lanes by partition key, so one chat's records stay in order in one lane.
   */
  parallelizationFactor?: number;
  /** How often an idle shard is read again (Lambda reads each shard about four times a second). */
  pollIntervalMs?: number;
  /** Retries of a failing batch before its records go to `onFailure` (MaximumRetryAttempts). */
  maxRetryAttempts?: number;
  retryBaseMs?: number;
  /** Where a batch's whereabouts go after its retries (the mapping's on-failure destination). */
  onFailure(batch: StreamBatchInfo, reason: string): Promise<void>;
  log?(line: string): void;
}

export interface StreamPoller {
  /** Resolves once every record written before the call has been handed to the handler and answered. */
  drain(): Promise<void>;
  /** Stops reading (records wait in the stream) until `resume`; resolves once no read is in flight. */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

interface ShardReader {
  shardId: string;
  start: 'TRIM_HORIZON' | 'LATEST';
  parentShardId?: string;
  finished: boolean;
  /** Reads started so far. */
  readsStarted: number;
  /**
   * The number of the latest read that found nothing new. drain waits until a read started after
   * it was called finds nothing: one already in flight may have started before the write.
   */
  lastIdleRead: number;
  /** Its records not yet answered are being delivered (drain waits for them too). */
  busy(): boolean;
  /** It has seen the pause (no read of its own in flight). */
  pausedSeen?: boolean;
  done: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sequence = (r: DynamoDBRecord | StreamRecord) => BigInt(r.dynamodb?.SequenceNumber ?? '0');
/** Lambda spreads a shard's records over its lanes by a hash of the partition key (not the sort key). */
function laneOf(record: DynamoDBRecord, partitionKey: string, lanes: number): number {
  const key = JSON.stringify(record.dynamodb?.Keys?.[partitionKey] ?? {});
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}

/**
 * Plays Lambda's event source mapping for a DynamoDB Stream against DynamoDB Local, so `npm start`
 * and the tests run the same asynchronous path as AWS: one reader per shard (children after their
 * parents), batches in stream order, several at once per shard split by partition key (so a
 * chat's records stay in order), INSERT records only (the mapping's filter), a partial batch
 * response retried from its lowest failed record, a throwing batch bisected, and after the
 * retries only the batch's whereabouts handed to the on-failure destination, as AWS does.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const batchSize = options.batchSize ?? 100;
  const lanes = options.parallelizationFactor ?? 10;
  /** Records per read: one batch for each lane. */
  const limit = Math.min(1000, batchSize * lanes);
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const maxRetryAttempts = options.maxRetryAttempts ?? 100;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const log = options.log ?? (() => undefined);
  const client = { endpoint: options.endpoint, region: localRegion, credentials: localCredentials };
  const dynamo = new DynamoDBClient(client);
  const streams = new DynamoDBStreamsClient(client);
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const partitionKey = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';

  const readers = new Map<string, ShardReader>();
  let stopped = false;
  let paused = false;
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((w) => w());
  /** Sleeps until woken (a drain, a resume, a stop) or the interval passes. */
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => (wakers.delete(done), clearTimeout(timer), resolve());
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const toLambdaRecord = (r: StreamRecord): DynamoDBRecord => ({
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: localRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(r.dynamodb as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime: Math.floor(
        (r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) / 1000,
      ),
    },
  });

  const arrival = (r: DynamoDBRecord) =>
    new Date((r.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
  const batchInfo = (records: [DynamoDBRecord, ...DynamoDBRecord[]]): StreamBatchInfo => {
    const [first, last] = [records[0], records.at(-1) ?? records[0]];
    return {
      shardId: String(first.eventID ? shardOf.get(first.eventID) : ''),
      startSequenceNumber: String(first.dynamodb?.SequenceNumber),
      endSequenceNumber: String(last.dynamodb?.SequenceNumber),
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: String(streamArn),
    };
  };
  /** The shard each record handed over came from (its batch info names it). */
  const shardOf = new Map<string, string>();

  /** One batch until it succeeds or is handed to onFailure; bisected when the handler throws. */
  async function deliver(batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0 && !stopped;) {
      let reason: string;
      try {
        const response = await options.handler({ Records: pending });
        const failed = (response?.batchItemFailures ?? []).map((f) => BigInt(f.itemIdentifier));
        if (failed.length === 0) return;
        const lowest = failed.reduce((a, b) => (b < a ? b : a));
        pending = pending.filter((r) => sequence(r) >= lowest);
        reason = `${failed.length} record(s) failed`;
      } catch (error) {
        reason = (error as Error).message;
        if (pending.length > 1) {
          // Lambda's BisectBatchOnFunctionError: each half is retried on its own (not counted).
          const half = Math.ceil(pending.length / 2);
          await deliver(pending.slice(0, half));
          await deliver(pending.slice(half));
          return;
        }
      }
      attempt += 1;
      if (attempt > maxRetryAttempts) {
        try {
          await options.onFailure(batchInfo(pending as [DynamoDBRecord, ...DynamoDBRecord[]]), reason);
          return;
        } catch (error) {
          // Nowhere to put them yet (DynamoDB down?): keep them, and keep trying.
          log(`stream: on-failure destination failed (${(error as Error).message}); retrying the batch`);
          attempt = 0;
        }
      }
      await sleep(Math.min(retryBaseMs * 2 ** Math.min(attempt, 10), 5000));
    }
  }

  /**
   * A shard's lanes: each delivers its own queue in order, in batches, on its own, as Lambda's
   * concurrent batches do (a slow lane never holds the others back).
   */
  function lanesFor() {
    const queues: DynamoDBRecord[][] = Array.from({ length: lanes }, () => []);
    const running: (Promise<void> | undefined)[] = Array.from({ length: lanes }, () => undefined);
    let queued = 0;
    const progress = new Set<() => void>();
    const run = async (lane: number) => {
      const queue = queues[lane] ?? [];
      while (queue.length > 0 && !stopped) {
        const batch = queue.splice(0, batchSize);
        await deliver(batch);
        for (const r of batch) if (r.eventID) shardOf.delete(r.eventID);
        queued -= batch.length;
        progress.forEach((p) => p());
      }
      if (stopped) queued -= queue.splice(0).length;
      running[lane] = undefined;
      progress.forEach((p) => p());
    };
    const waitFor = async (done: () => boolean) => {
      while (!done()) {
        await new Promise<void>((resolve) => {
          const p = () => (progress.delete(p), resolve());
          progress.add(p);
        });
      }
    };
    return {
      add(records: DynamoDBRecord[]) {
        for (const r of records) queues[laneOf(r, partitionKey, lanes)]?.push(r);
        queued += records.length;
        queues.forEach((queue, lane) => {
          if (queue.length > 0 && !running[lane]) running[lane] = run(lane);
        });
      },
      /** Waits while more than `max` records wait or run (the reader reads no further ahead). */
      below: (max: number) => waitFor(() => queued <= max),
      idle: () => waitFor(() => running.every((r) => r === undefined)),
      get busy() {
        return queued > 0;
      },
    };
  }

  /** An iterator just after `checkpoint`, or at the shard's oldest record without one. */
  const iteratorAfter = async (shardId: string, checkpoint: string | undefined) =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(checkpoint
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;

  /**
   * The sequence number of a shard's last record now (undefined when it has none), read to its
   * end: DynamoDB Local answers a LATEST iterator on a fresh shard with TrimmedDataAccessException,
   * and taking LATEST again after that skips whatever was written meanwhile.
   */
  async function endOf(shardId: string): Promise<string | undefined> {
    let last: string | undefined;
    let iterator = await iteratorAfter(shardId, undefined);
    while (iterator) {
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      );
      if (Records.length === 0) break;
      last = Records.at(-1)?.dynamodb?.SequenceNumber;
      iterator = NextShardIterator;
    }
    return last;
  }

  async function read(reader: ShardReader, after?: string) {
    const parent = reader.parentShardId ? readers.get(reader.parentShardId) : undefined;
    if (parent) await parent.done; // a child's records come after all of its parent's
    let checkpoint: string | undefined = after;
    let iterator: string | undefined;
    const inLanes = lanesFor();
    reader.busy = () => inLanes.busy;
    while (!stopped) {
      if (paused) {
        await inLanes.idle();
        reader.pausedSeen = true;
        await idle(pollIntervalMs);
        continue;
      }
      try {
        iterator ??= await iteratorAfter(reader.shardId, checkpoint);
        const readNumber = ++reader.readsStarted;
        const { Records = [], NextShardIterator } = await streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
        );
        const inserts = Records.filter((r) => r.eventName === 'INSERT').map(toLambdaRecord);
        for (const r of inserts) if (r.eventID) shardOf.set(r.eventID, reader.shardId);
        if (inserts.length > 0) inLanes.add(inserts);
        // Reads ahead by one read at most, as a mapping keeps its batches in flight.
        await inLanes.below(limit);
        if (Records.length > 0) checkpoint = Records.at(-1)?.dynamodb?.SequenceNumber;
        iterator = NextShardIterator;
        if (!NextShardIterator) break; // the shard is closed and read to its end (lanes awaited below)
        if (Records.length === 0) {
          reader.lastIdleRead = readNumber;
          await idle(pollIntervalMs);
        } else if (Records.length < limit) {
          // Caught up: the next read waits the poll interval, as Lambda's poller does.
          await idle(pollIntervalMs);
        }
      } catch (error) {
        // DynamoDB Local stopped, or the iterator expired: start again after the checkpoint.
        log(`stream: reading ${reader.shardId} failed (${(error as Error).message}); retrying`);
        iterator = undefined;
        await idle(1000);
      }
    }
    await inLanes.idle(); // a child shard's records wait for all of these
    reader.finished = true;
  }

  let initialPosition = options.startingPosition ?? 'TRIM_HORIZON';
  async function discoverShards() {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(start && { ExclusiveStartShardId: start }) }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of shards) {
      if (!shard.ShardId || readers.has(shard.ShardId)) continue;
      const reader: ShardReader = {
        shardId: shard.ShardId,
        start: initialPosition,
        ...(shard.ParentShardId && { parentShardId: shard.ParentShardId }),
        finished: false,
        readsStarted: 0,
        lastIdleRead: 0,
        busy: () => false,
        done: Promise.resolve(),
      };
      readers.set(shard.ShardId, reader);
      // "After the start" is fixed now, as a sequence number, not at the first read.
      const after = reader.start === 'LATEST' ? await endOf(shard.ShardId) : undefined;
      reader.done = read(reader, after);
    }
  }

  await discoverShards();
  initialPosition = 'TRIM_HORIZON';
  // New shards appear when DynamoDB splits or rolls one over.
  const discovery = setInterval(() => void discoverShards().catch(() => undefined), 2000);

  return {
    async drain() {
      await discoverShards();
      const targets = [...readers.values()]
        .filter((r) => !r.finished)
        .map((r) => ({ reader: r, target: r.readsStarted }));
      wake();
      while (
        targets.some(
          ({ reader, target }) => !reader.finished && (reader.lastIdleRead <= target || reader.busy()),
        )
      ) {
        if (stopped) return;
        await sleep(10);
        if (!paused) wake();
      }
    },
    async pause() {
      paused = true;
      for (const r of readers.values()) r.pausedSeen = false;
      wake();
      // A read started before the pause delivers what it got; wait until every reader has stopped.
      while ([...readers.values()].some((r) => !r.finished && !r.pausedSeen)) await sleep(5);
    },
    resume() {
      paused = false;
      wake();
    },
    async stop() {
      stopped = true;
      wake();
      clearInterval(discovery);
      await Promise.all([...readers.values()].map((r) => r.done));
      dynamo.destroy();
      streams.destroy();
    },
  };
}
