import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';

// The emulator's monthly quota: LINE's exact refusal once it is spent, and a control call that
// changes it at run time (a plan upgrade), so a paused campaign can be resumed locally.
const TOKEN = 'emulator-quota-token';
const GROUP = `C${'b'.repeat(32)}`;
let line: LineEmulator;
let client: messagingApi.MessagingApiClient;
beforeEach(async () => {
  line = await startLineEmulator({ channelAccessToken: TOKEN, monthlyQuota: 10 });
  client = new messagingApi.MessagingApiClient({ channelAccessToken: TOKEN, baseURL: line.url });
});
afterEach(() => line.close());

const push = () => client.pushMessage({ to: GROUP, messages: [{ type: 'text', text: 'hi' }] });
const control = async (method: string, body?: unknown) => {
  const response = await fetch(`${line.url}/emulator/quota`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

it("answers 429 with LINE's exact monthly-limit message once a push would pass the quota", async () => {
  for (let i = 0; i < 3; i++) await push(); // a group of 3: 9 of 10
  const refused = await push().catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(HTTPFetchError);
  expect((refused as HTTPFetchError).status).toBe(429);
  expect(JSON.parse((refused as HTTPFetchError).body)).toEqual({
    message: 'You have reached your monthly limit.',
  });
  expect((refused as HTTPFetchError).headers.get('retry-after')).toBeNull();
  expect(await client.getMessageQuotaConsumption()).toEqual({ totalUsage: 9 });
});

it('PUT /emulator/quota changes the quota at run time; the quota endpoints and pushes follow it', async () => {
  for (let i = 0; i < 3; i++) await push();
  expect(await control('PUT', { monthly: 100 })).toEqual({
    status: 200,
    body: { monthly: 100, consumed: 9 },
  });
  expect(await client.getMessageQuota()).toEqual({ type: 'limited', value: 100 });
  await push();
  expect(await control('GET')).toEqual({ status: 200, body: { monthly: 100, consumed: 12 } });

  expect((await control('PUT', { monthly: null })).body).toEqual({ monthly: null, consumed: 12 });
  expect(await client.getMessageQuota()).toEqual({ type: 'none' });
  await push();

  // A reset goes back to the quota it was started with.
  await fetch(`${line.url}/emulator/reset`, { method: 'POST' });
  expect(await client.getMessageQuota()).toEqual({ type: 'limited', value: 10 });
});

it.each([[{ monthly: -1 }], [{ monthly: 'lots' }], [{ monthly: 2.5 }], [{}]])(
  'refuses %j naming the field, and keeps the quota',
  async (body) => {
    const answer = await control('PUT', body);
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([expect.objectContaining({ property: 'monthly' })]);
    expect(await client.getMessageQuota()).toEqual({ type: 'limited', value: 10 });
  },
);
