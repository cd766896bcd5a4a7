import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Operations that consume read or write capacity (the ones ReturnConsumedCapacity applies to). */
const DATA_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
  'Query',
  'Scan',
]);

/** The operations that read (their capacity is read request units); the rest write. */
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'TransactGetItems', 'Query', 'Scan']);

/**
 * A pass-through HTTP proxy in front of DynamoDB Local that counts requests by operation and adds
 * up the capacity units they consume: it asks for ReturnConsumedCapacity on every data operation
 * (DynamoDB Local checks no signatures) and reads the answer. The callers' code is unchanged.
 */
export async function startCountingProxy(target: string) {
  const counts = new Map<string, number>();
  let capacityUnits = 0;
  let readUnits = 0;
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const measured = DATA_OPERATIONS.has(operation);
      if (measured) {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        body = Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'TOTAL' }));
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(parts);
            if (measured) {
              try {
                const consumed = (JSON.parse(text.toString('utf8')) as { ConsumedCapacity?: unknown })
                  .ConsumedCapacity;
                for (const c of [consumed ?? []].flat() as { CapacityUnits?: number }[]) {
                  capacityUnits += c.CapacityUnits ?? 0;
                  if (READ_OPERATIONS.has(operation)) readUnits += c.CapacityUnits ?? 0;
                }
              } catch {
                // not JSON: nothing to count
              }
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
          });
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    /** Requests per operation since the last reset. */
    byOperation: () => Object.fromEntries(counts),
    /** Capacity units (reads and writes) consumed since the last reset. */
    capacityUnits: () => capacityUnits,
    /** Of those, read request units (the rest are write request units). */
    readUnits: () => readUnits,
    reset: () => {
      counts.clear();
      capacityUnits = 0;
      readUnits = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
