import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../lambda/webhook/handle-request';
import { apiGatewayEvent } from './api-gateway-event';

/** Local only: answered once everything the webhook accepted so far was processed. */
export const DRAIN_PATH = '/_local/drain';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface WebhookServer {
  url: string;
  close(): Promise<void>;
}

/** Plays API Gateway: each request becomes the proxy event Lambda receives, answered by the same handler. */
export async function startWebhookServer(
  handler: ProxyHandler,
  options: { port: number; onBody?: (body: Buffer) => void; drain?: () => Promise<void> },
): Promise<WebhookServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === DRAIN_PATH && options.drain && req.method === 'POST') {
        await options.drain();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ drained: true }));
        return;
      }
      if (path !== '/webhook') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'not found' }));
        return;
      }
      const requestBody = await readBody(req, WEBHOOK_BODY_LIMIT_BYTES);
      if (requestBody === 'too large') {
        // What the WAF answers on AWS (and the handler would); never held in memory here.
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: `body too large: the limit is ${WEBHOOK_BODY_LIMIT_BYTES} bytes` }));
        return;
      }
      options.onBody?.(requestBody);
      const result = await handler(
        apiGatewayEvent({ method: req.method ?? 'GET', path, headers: flatHeaders(req), body: requestBody }),
      );
      const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
      res.writeHead(result.statusCode, normalizeHeaders(result.headers)).end(body);
    })().catch((error: unknown) => {
      res.writeHead(502).end(JSON.stringify({ message: `handler crashed: ${(error as Error).message}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function normalizeHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The body, or 'too large' once it reaches `limit` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes < limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(bytes < limit ? Buffer.concat(chunks) : 'too large'));
    req.on('error', reject);
  });
}
