import { enrichDueGroups, type EnrichOutcome } from '../app/enrich-groups';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createProcessorRuntime, type ProcessorRuntime } from '../runtime/processor-runtime';

let runtime: Promise<ProcessorRuntime> | undefined;

/**
 * Every minute (EventBridge schedule): reads from LINE the names and sizes still owed (LINE was
 * slow or failing when the chat joined), with back-off, for up to a day.
 */
export async function handler(): Promise<EnrichOutcome> {
  try {
    const config = loadConfig();
    runtime ??= createProcessorRuntime(config, { log: logger, telemetry: telemetryOf(metrics) });
    const { enrichment } = await runtime.catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    const outcome = await enrichDueGroups(config.enrichmentTimeoutMs, enrichment);
    if (outcome.enriched + outcome.retrying + outcome.abandoned > 0)
      logger.info('enrichment sweep', { ...outcome });
    return outcome;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
