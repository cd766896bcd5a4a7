import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * On AWS the SDK's defaults (region and role from the Lambda environment). With DYNAMODB_ENDPOINT
 * (DynamoDB Local), a region and credentials are filled in when the environment has none, since
 * DynamoDB Local accepts any.
 */
export function documentClient(
  config: { dynamoDbEndpoint?: string | undefined },
  env = process.env,
): DynamoDBDocumentClient {
  const client = new DynamoDBClient(clientConfig(config, env));
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
