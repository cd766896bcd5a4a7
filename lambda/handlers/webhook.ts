import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { loadConfig } from '../config';
import { logger, metrics, telemetryOf } from '../runtime/observability';
import { createWebhookRuntime, type WebhookHandler } from '../runtime/webhook-runtime';

// Built on the first request and kept for the life of the container; the secret inside it is
// read again as it ages or when a signature fails (a secret reissued in LINE's console).
let runtime: Promise<WebhookHandler> | undefined;

/** Lambda entry for LINE's webhook (API Gateway REST proxy integration). */
export async function handler(
  request: APIGatewayProxyEvent,
  context?: Context,
): Promise<APIGatewayProxyResult> {
  if (context) logger.addContext(context);
  try {
    runtime ??= createWebhookRuntime(loadConfig(), { log: logger, telemetry: telemetryOf(metrics) });
    const handle = await runtime.catch((error: unknown) => {
      runtime = undefined; // a failed start (bad configuration) is retried on the next request
      throw error;
    });
    return await handle(request);
  } catch (error) {
    logger.error('webhook could not start', { error: (error as Error).message });
    return { statusCode: 500, body: JSON.stringify({ message: 'temporary failure, please redeliver' }) };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
