import { enrichDueGroups, type EnrichOutcome } from '../app/enrich-groups';
import { readPeopleDue } from '../app/members/read-people';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createProcessorRuntime, type ProcessorRuntime } from '../runtime/processor-runtime';

let runtime: Promise<ProcessorRuntime> | undefined;

/**
 * Every minute (EventBridge schedule): reads from LINE the names and sizes still owed (LINE was
 * slow or failing when the chat joined), with back-off, for up to a day; and the members' display
 * names and friendships owed.
 */
export async function handler(): Promise<EnrichOutcome> {
  try {
    const config = loadConfig();
    runtime ??= createProcessorRuntime(config, { log: logger, telemetry: telemetryOf(metrics) });
    const { enrichment, processing } = await runtime.catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    const [outcome, people] = await Promise.all([
      enrichDueGroups(config.enrichmentTimeoutMs, enrichment),
      readPeopleDue(processing.people),
    ]);
    if (outcome.enriched + outcome.retrying + outcome.abandoned > 0)
      logger.info('enrichment sweep', { ...outcome });
    if (people.names + people.friendships + people.retrying > 0)
      logger.info('members read sweep', { ...people });
    return outcome;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
