import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';

export interface QueuedMessage {
  messageId: string;
  body: string;
}

export interface QueueStandIn {
  /** What CAMPAIGN_QUEUE_URL holds: the SDK sends to this URL's origin when no endpoint is set. */
  queueUrl: string;
  /** Everything accepted, in order. */
  readonly messages: QueuedMessage[];
  /** The next this many entries are answered as failed (SQS's partial batch failure). */
  refuseNext: number;
  /** These messages as the SQS event Lambda's event source mapping hands a worker. */
  eventOf(messages: QueuedMessage[]): SQSEvent;
  close(): Promise<void>;
}

/**
 * SQS's SendMessageBatch over the AWS JSON 1.0 protocol the SDK speaks, on loopback: as strict as
 * SQS about the batch (1 to 10 entries, unique ids, 256 KiB), answering with each body's MD5,
 * which the SDK checks. Only what the campaign planner calls; nothing else is emulated.
 */
export async function startQueueStandIn(): Promise<QueueStandIn> {
  const messages: QueuedMessage[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => answer(res, 500, { message: String(error) }));
  });
  const standIn: QueueStandIn = {
    queueUrl: '',
    messages,
    refuseNext: 0,
    eventOf: (batch) =>
      ({
        Records: batch.map((m) => ({ messageId: m.messageId, body: m.body })),
      }) as SQSEvent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch')
      return answer(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: 'not emulated' });
    const { QueueUrl, Entries } = JSON.parse(raw.toString('utf8')) as {
      QueueUrl: string;
      Entries: { Id: string; MessageBody: string }[];
    };
    if (QueueUrl !== standIn.queueUrl)
      return answer(res, 400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: QueueUrl });
    if (!Array.isArray(Entries) || Entries.length === 0 || Entries.length > 10)
      return answer(res, 400, {
        __type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
        message: '1 to 10',
      });
    if (new Set(Entries.map((e) => e.Id)).size !== Entries.length)
      return answer(res, 400, { __type: 'com.amazonaws.sqs#BatchEntryIdsNotDistinct', message: 'ids' });
    if (Entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0) > 256 * 1024)
      return answer(res, 400, { __type: 'com.amazonaws.sqs#BatchRequestTooLong', message: '256 KiB' });
    const Successful = [];
    const Failed = [];
    for (const entry of Entries) {
      if (standIn.refuseNext > 0) {
        standIn.refuseNext -= 1;
        Failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'refused' });
        continue;
      }
      const messageId = randomUUID();
      messages.push({ messageId, body: entry.MessageBody });
      Successful.push({
        Id: entry.Id,
        MessageId: messageId,
        MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
      });
    }
    answer(res, 200, { Successful, Failed });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  standIn.queueUrl = `http://127.0.0.1:${port}/000000000000/campaign-batches`;
  return standIn;
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}
