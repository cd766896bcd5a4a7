import { advanceDueNarrowcasts } from '../app/narrowcast/run-narrowcast';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createNarrowcastDeps } from '../runtime/narrowcast-runtime';

/**
 * Every minute (EventBridge): each narrowcast campaign whose next check is due takes one step:
 * its audience looked at while LINE prepares it, its request sent (once, under its stored retry
 * key), LINE's progress read until it succeeds or fails. `npm run campaign -- start --aws` only
 * writes the campaign; this follows it.
 */
export async function handler(): Promise<{ advanced: number; failed: number }> {
  try {
    const deps = await createNarrowcastDeps(loadConfig(), { log: logger, telemetry: telemetryOf(metrics) });
    const result = await advanceDueNarrowcasts(deps);
    if (result.advanced + result.failed > 0) logger.info('narrowcasts followed', result);
    // A step that threw is retried next minute; failing the invocation makes it visible (alarm).
    if (result.failed > 0) throw new Error(`${result.failed} narrowcast step(s) failed`);
    return result;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
