import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { toInboxItems } from '../../lambda/app/accept-events';
import { parsePayload } from '../../lambda/webhook/parse-payload';
import { processStream } from '../../lambda/runtime/process-stream';
import {
  newGroupId,
  webhookBody,
  webhookEvents,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { startHarness, type Harness } from '../support/webhook-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => jest.restoreAllMocks());

let sequence = 1000;
/** The inbox item a webhook of these events became, stored, and its stream record as Lambda hands it over. */
async function record(events: WebhookEvent[]): Promise<DynamoDBRecord> {
  const [item] = toInboxItems(parsePayload(JSON.parse(webhookBody(events))).events, new Date());
  await h.runtime.processing.inbox.accept([item!]);
  return {
    eventID: String(sequence),
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(sequence++),
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
    },
  };
}

describe('a batch with a failing record', () => {
  it("holds back the later records of the failing record's chat (they are retried after it) and applies the others", async () => {
    const [a, b] = [newGroupId(), newGroupId()];
    const t = Date.now() - 3_600_000;
    const save = h.runtime.processing.registry.save.bind(h.runtime.processing.registry);
    jest.spyOn(h.runtime.processing.registry, 'save').mockImplementation(async (group, ...rest) => {
      if (group.groupId === a) throw new Error('injected: DynamoDB refused this chat');
      return save(group, ...rest);
    });
    // This test hands the batch over itself; the stream reader waits meanwhile.
    await h.processing.pause();
    const records = [
      await record([webhookEvents.join(a, { timestamp: t })]),
      await record([webhookEvents.join(b, { timestamp: t })]),
      await record([webhookEvents.leave(a, { timestamp: t + 600_000 })]),
    ];
    const response = await processStream({ Records: records }, h.runtime.processing);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      records[0]!.dynamodb!.SequenceNumber,
      records[2]!.dynamodb!.SequenceNumber,
    ]);
    expect(await h.registry.load(a)).toBeUndefined();
    expect((await h.registry.load(b))?.group.status).toBe('active');
    // The held-back record was never tried: no failed attempt counted against it.
    expect(h.recorder.metric('processingFailures')).toBe(1);
    jest.restoreAllMocks();
    h.processing.resume();
    await h.processing.drain();
    expect((await h.registry.load(a))?.group).toMatchObject({ status: 'left', leaveReason: 'removed' });
  });
});
