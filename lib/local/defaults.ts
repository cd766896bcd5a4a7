/** The local stack's fixed, documented defaults; the CLIs find `npm start`'s services here. */
export const localDefaults = {
  webhookPort: 3000,
  consolePort: 3001,
  dynamoDbPort: 8000,
  lineEmulatorPort: 8090,
  channelSecret: 'local-channel-secret',
  channelAccessToken: 'local-channel-access-token',
  persistDir: '.local/dynamodb',
} as const;

export const localDynamoDbEndpoint = `http://127.0.0.1:${localDefaults.dynamoDbPort}`;
export const localWebhookUrl = `http://127.0.0.1:${localDefaults.webhookPort}/webhook`;
export const localLineEmulatorUrl = `http://127.0.0.1:${localDefaults.lineEmulatorPort}`;
