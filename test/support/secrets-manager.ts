import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Secrets Manager's GetSecretValue over HTTP (its JSON protocol), for the real SDK client: there
 * is no AWS here. An operator's `put-secret-value` is `put`; `fail` makes it answer 500.
 */
export interface SecretsManagerStandIn {
  url: string;
  secretId: string;
  /** GetSecretValue requests answered (or failed) so far. */
  reads: number;
  put(secretString: string): void;
  fail(failing: boolean): void;
  /** The SDK's client for it, as the functions build theirs (one try, so reads are countable). */
  client(): SecretsManagerClient;
  close(): Promise<void>;
}

export async function startSecretsManagerStandIn(secretString: string): Promise<SecretsManagerStandIn> {
  const secretId = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:line-channel-AbCdEf';
  let value = secretString;
  let failing = false;
  const state = { reads: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return json(400, { __type: 'InvalidRequestException', message: 'only GetSecretValue here' });
      state.reads += 1;
      if (failing) return json(500, { __type: 'InternalServiceError', message: 'injected failure' });
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string };
      if (SecretId !== secretId)
        return json(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
      json(200, { ARN: secretId, Name: 'line-channel', SecretString: value, VersionId: `v${state.reads}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SecretsManagerClient[] = [];
  return {
    url,
    secretId,
    get reads() {
      return state.reads;
    },
    put: (next) => void (value = next),
    fail: (next) => void (failing = next),
    client() {
      const client = new SecretsManagerClient({
        endpoint: url,
        region: 'ap-northeast-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
