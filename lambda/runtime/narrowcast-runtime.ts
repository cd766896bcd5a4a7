import { documentClient } from '../adapters/dynamodb/document-client';
import { DynamoDbNarrowcastStore } from '../adapters/dynamodb/narrowcast-store';
import type { NarrowcastDeps } from '../app/narrowcast/run-narrowcast';
import type { Log, Telemetry } from '../app/ports';
import type { Config } from '../config';
import { audienceReadyTimeoutMs } from '../domain/narrowcast';
import { audienceApiFor } from './line-client';
import { channelCredentials } from './secrets';

/** Wires the narrowcast follower from config (the campaigns table, LINE's audience API). */
export async function createNarrowcastDeps(
  config: Config,
  observe: { log: Log; telemetry: Telemetry },
  env: NodeJS.ProcessEnv = process.env,
): Promise<NarrowcastDeps> {
  return {
    line: audienceApiFor(await channelCredentials(config), config.lineApiBaseUrl),
    store: new DynamoDbNarrowcastStore(documentClient(config), config.tables.campaigns),
    now: () => new Date(),
    audienceReadyTimeoutMs: audienceReadyTimeoutMs(env),
    ...observe,
  };
}
