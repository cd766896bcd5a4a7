import { sweepOutbox } from './outbox';
import type { InboxItem, StreamBatchInfo, StreamRecords } from './ports';
import {
  AfterEffects,
  applyInboxEvents,
  deadLettered,
  forgetText,
  type ProcessInboxDeps,
} from './process-inbox';

export interface InboxSweepDeps extends ProcessInboxDeps {
  streamRecords: StreamRecords;
  /** How long after arrival an item of an abandoned batch is swept (INBOX_SWEEP_AFTER_MINUTES). */
  sweepAfterMs: number;
}

export interface SweepOutcome {
  swept: number;
  /** Items that failed again (they become dead letters after the usual attempts). */
  failed: number;
  /** Outbox entries finished for processes that died after a commit. */
  outbox: number;
}

/**
 * The event source mapping gave up on a stream batch (its retries or the records' age ran out):
 * AWS sends where the records were, not the records. They are read again and their inbox items
 * kept for the sweep, so nothing accepted is left behind.
 */
export async function noteAbandonedBatch(batch: StreamBatchInfo, deps: InboxSweepDeps): Promise<number> {
  const items = await deps.streamRecords.itemsOf(batch);
  const marked = await deps.inbox.markForSweep(items, deps.sweepAfterMs, batch);
  deps.telemetry.count('inboxBatchesAbandoned');
  deps.log.warn('the stream gave up on a batch; the sweep applies its events (npm run events -- failed)', {
    shardId: batch.shardId,
    startSequenceNumber: batch.startSequenceNumber,
    endSequenceNumber: batch.endSequenceNumber,
    records: batch.batchSize,
    items: items.length,
    marked,
  });
  return marked;
}

/**
 * The sweep (every few minutes): the items of abandoned batches that are due, through the same
 * use case as the stream (each event at most once: a duplicate changes nothing), a chat's items
 * in arrival order, an item that fails again counted towards a dead letter; then the outbox
 * entries whose process died after its commit.
 */
export async function sweepInbox(deps: InboxSweepDeps, limit = 500): Promise<SweepOutcome> {
  const due = await deps.inbox.dueForSweep(deps.clock.now(), limit);
  const byChat = new Map<string, InboxItem[]>();
  for (const item of due) byChat.set(item.groupId, [...(byChat.get(item.groupId) ?? []), item]);
  const outcome: SweepOutcome = { swept: 0, failed: 0, outbox: 0 };
  const effects = new AfterEffects();
  await Promise.all(
    [...byChat.values()].map(async (items) => {
      for (const item of items.sort((a, b) => (a.inboxKey < b.inboxKey ? -1 : 1))) {
        try {
          effects.add(await applyInboxEvents(item.events, deps));
          await deps.inbox.settleSwept(item, deps.clock.now());
          await forgetText(item, deps);
          outcome.swept += 1;
        } catch (error) {
          const reason = `${(error as Error).name}: ${(error as Error).message}`;
          outcome.failed += 1;
          deps.telemetry.count('processingFailures');
          if (await deps.inbox.noteFailure(item, reason, deps.maxAttempts)) deadLettered(item, reason, deps);
          return; // the chat's later items wait for this one
        }
      }
    }),
  );
  await effects.settle(deps);
  if (outcome.swept > 0) deps.telemetry.count('inboxSwept', outcome.swept);
  outcome.outbox = await sweepOutbox(deps);
  return outcome;
}
