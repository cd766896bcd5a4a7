import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import { createConsoleApp } from '../../lib/console/app';
import { consoleAuthFrom } from '../../lib/console/auth/config';
import type { ConsoleEnv } from '../../lib/console/auth/context';
import { consoleDeps } from '../../lib/console/deps';
import { documentClient } from '../adapters/dynamodb/document-client';
import { loadConfig } from '../config';
import { lineApiFor } from '../runtime/line-client';
import { logger } from '../runtime/observability';
import { channelCredentials } from '../runtime/secrets';

/**
 * The operators' console on AWS (`cdk deploy -c console=true`): the same Hono app as
 * `npm run console`, behind API Gateway, signing people in through the stack's Cognito user pool.
 * Built once per instance: the session key and the channel's credentials are read at cold start.
 */
let app: Promise<(event: LambdaEvent, context: LambdaContext) => Promise<unknown>> | undefined;

async function build() {
  const config = loadConfig();
  const secrets = new SecretsManagerClient({});
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: process.env.CONSOLE_SESSION_SECRET_ID }),
  );
  const auth = consoleAuthFrom({ ...process.env, CONSOLE_AUTH: 'oidc' }, SecretString);
  const deps = consoleDeps({
    client: documentClient(config),
    tables: config.tables,
    line: lineApiFor(await channelCredentials(config), config.lineApiBaseUrl),
    ...(process.env.CAMPAIGN_FUNCTION && { campaignFunction: process.env.CAMPAIGN_FUNCTION }),
    log: (line) => logger.warn(line),
  });
  const console: Hono<ConsoleEnv> = createConsoleApp(deps, 443, auth);
  return handle(console);
}

export async function handler(event: LambdaEvent, context: LambdaContext) {
  app ??= build().catch((error: unknown) => {
    app = undefined;
    throw error;
  });
  return (await app)(event, context);
}
