import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Telemetry } from '../app/ports';
import { METRICS_NAMESPACE, SERVICE_NAME } from './observability-names';
import { userIdRedactingReplacer } from './redact-user-ids';

// No user id reaches a log line as it is (personal data): errors from LINE name them in URLs.
export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: userIdRedactingReplacer });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

export const telemetryOf = (m: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>): Telemetry => ({
  count: (name, value = 1) => m.addMetric(name, MetricUnit.Count, value),
  flush: () => m.publishStoredMetrics(),
});
