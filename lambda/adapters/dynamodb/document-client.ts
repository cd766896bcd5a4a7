import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * How long one request may take and how many times it is tried. Without a limit a request to a
 * DynamoDB that accepted the connection and never answers waits for the function's timeout.
 */
export interface RequestBudget {
  requestTimeoutMs: number;
  maxAttempts: number;
}

/** Functions and tools with time to spare: a hung request fails well inside any function's timeout. */
export const DEFAULT_REQUEST_BUDGET: RequestBudget = { requestTimeoutMs: 5_000, maxAttempts: 3 };

/**
 * On AWS the SDK's defaults (region and role from the Lambda environment). With DYNAMODB_ENDPOINT
 * (DynamoDB Local), a region and credentials are filled in when the environment has none, since
 * DynamoDB Local accepts any.
 */
export function documentClient(
  config: { dynamoDbEndpoint?: string | undefined },
  env = process.env,
  budget: RequestBudget = DEFAULT_REQUEST_BUDGET,
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...clientConfig(config, env),
    maxAttempts: budget.maxAttempts,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
    requestHandler: {
      connectionTimeout: budget.requestTimeoutMs,
      requestTimeout: budget.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The endpoint, region and credentials for DynamoDB (and its Streams) from config. */
export function clientConfig(config: { dynamoDbEndpoint?: string | undefined }, env = process.env) {
  return config.dynamoDbEndpoint
    ? {
        endpoint: config.dynamoDbEndpoint,
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'ap-northeast-1',
        ...(!env.AWS_ACCESS_KEY_ID && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      }
    : {};
}
