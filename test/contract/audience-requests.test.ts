import { randomUUID } from 'node:crypto';
import { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { newUserId } from '../../lib/local/simulator/webhook-events';
import { OpenApi, openApiFiles } from '../support/openapi';
import { describeNeeding } from '../support/prerequisites';

// Without the files this fails, saying how to get them (LINE_GROUPS_SKIP_CONTRACT_TESTS=1 skips it).
const describeContract = describeNeeding(openApiFiles);

const TOKEN = 'contract-audience-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeContract('audiences and narrowcasts, against manage-audience.yml and messaging-api.yml', () => {
  let audienceSpec: OpenApi;
  let messagingSpec: OpenApi;
  let line: LineEmulator;
  beforeAll(async () => {
    audienceSpec = new OpenApi('manage-audience.yml');
    messagingSpec = new OpenApi('messaging-api.yml');
    line = await startLineEmulator({
      channelAccessToken: TOKEN,
      monthlyQuota: 1000,
      audiences: {
        readySeconds: 1,
        narrowcastPhaseMs: 500,
        narrowcastsPerWindow: 2,
        narrowcastWindowMs: 60_000,
      },
    });
  });
  afterAll(() => line?.close());

  const specFor = (method: string, path: string) =>
    audienceSpec.operation(method, path) ? audienceSpec : messagingSpec;

  /** A request as the bot sends it; the answer with the schema LINE documents for its status, and its problems. */
  async function answer(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${line.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    const pathname = path.split('?')[0]!;
    const spec = specFor(method, pathname);
    const schema = spec.responseSchema(method, pathname, response.status);
    return {
      status: response.status,
      operation: spec.operation(method, pathname)?.operationId,
      schema: schema ?? null,
      problems: schema ? spec.errors(schema, json) : [],
      extra:
        response.status >= 400 ? Object.keys(json).filter((k) => !['message', 'details'].includes(k)) : [],
      json,
      headers: response.headers,
    };
  }

  it('every answer the emulator gives (each status) is the body LINE documents', async () => {
    const [friend, other] = [newUserId(), newUserId()];
    line.state.people.setFriend(friend, true);
    const created = await answer('POST', '/v2/bot/audienceGroup/upload', {
      description: 'contract',
      isIfaAudience: false,
      uploadDescription: 'first',
      audiences: [{ id: friend }, { id: other }],
    });
    const id = created.json.audienceGroupId as number;
    const coupon = { type: 'text', text: 'hello' };
    const narrowcast = (key = randomUUID()) =>
      answer(
        'POST',
        '/v2/bot/message/narrowcast',
        {
          messages: [coupon],
          recipient: { type: 'audience', audienceGroupId: id },
          limit: { upToRemainingQuota: true },
        },
        { 'x-line-retry-key': key },
      );
    const early = [
      created,
      await answer('PUT', '/v2/bot/audienceGroup/upload', {
        audienceGroupId: id,
        audiences: [{ id: newUserId() }],
      }),
      await answer('PUT', '/v2/bot/audienceGroup/upload', {
        audienceGroupId: id,
        audiences: [{ id: 'nope' }],
      }),
      await answer('POST', '/v2/bot/audienceGroup/upload', { description: '' }),
      await answer('GET', `/v2/bot/audienceGroup/${id}`),
      await answer('GET', '/v2/bot/audienceGroup/12345'),
      await answer('GET', '/v2/bot/audienceGroup/list?page=1&size=40'),
      await answer('GET', '/v2/bot/audienceGroup/list'),
      await narrowcast(), // not READY yet: 400
    ];
    await sleep(1100);
    const key = randomUUID();
    const sent = await narrowcast(key);
    const requestId = sent.headers.get('x-line-request-id')!;
    const repeated = await narrowcast(key);
    const progress = async () => answer('GET', `/v2/bot/message/progress/narrowcast?requestId=${requestId}`);
    const phases = [await progress()];
    await sleep(550);
    phases.push(await progress());
    await sleep(550);
    phases.push(await progress());
    const late = [
      sent,
      repeated,
      await narrowcast(),
      await narrowcast(), // the third within the window: 429
      ...phases,
      await answer('GET', '/v2/bot/message/progress/narrowcast?requestId=unknown'),
      await answer('DELETE', `/v2/bot/audienceGroup/${id}`),
    ];
    const seen = [...early, ...late];
    expect(seen.map((a) => [a.operation, a.status, a.schema])).toEqual([
      ['createAudienceGroup', 202, 'CreateAudienceGroupResponse'],
      ['addAudienceToAudienceGroup', 202, null],
      ['addAudienceToAudienceGroup', 400, 'ErrorResponse'],
      ['createAudienceGroup', 400, 'ErrorResponse'],
      ['getAudienceData', 200, 'GetAudienceDataResponse'],
      ['getAudienceData', 400, 'ErrorResponse'],
      ['getAudienceGroups', 200, 'GetAudienceGroupsResponse'],
      ['getAudienceGroups', 400, 'ErrorResponse'],
      ['narrowcast', 400, 'ErrorResponse'],
      ['narrowcast', 202, 'NarrowcastResponse'],
      ['narrowcast', 409, 'ErrorResponse'],
      ['narrowcast', 202, 'NarrowcastResponse'],
      ['narrowcast', 429, 'ErrorResponse'],
      ['getNarrowcastProgress', 200, 'NarrowcastProgressResponse'],
      ['getNarrowcastProgress', 200, 'NarrowcastProgressResponse'],
      ['getNarrowcastProgress', 200, 'NarrowcastProgressResponse'],
      ['getNarrowcastProgress', 404, 'ErrorResponse'],
      ['deleteAudienceGroup', 200, null],
    ]);
    expect(seen.flatMap((a) => [...a.problems, ...a.extra])).toEqual([]);
    expect(phases.map((p) => p.json.phase)).toEqual(['waiting', 'sending', 'succeeded']);
    expect(phases[2]!.json).toMatchObject({ targetCount: 1, successCount: 1, failureCount: 0 });
    expect(repeated.headers.get('x-line-accepted-request-id')).toBe(requestId);
    expect(early[5]!.json).toEqual({
      message: 'audience group not found',
      details: [{ message: 'AUDIENCE_GROUP_NOT_FOUND', property: 'audienceGroupId' }],
    });
  }, 20_000);

  it("every request the product's adapter sends validates, with X-Line-Retry-Key a UUID", async () => {
    line.state.requests.length = 0;
    const api = new LineAudienceApi({ channelAccessToken: TOKEN, baseURL: line.url });
    const users = Array.from({ length: 3 }, newUserId);
    const created = await api.createAudience('adapter', users.slice(0, 2));
    await api.addToAudience(created.audienceGroupId, users.slice(2), 'refresh');
    expect(await api.getAudience(created.audienceGroupId)).toMatchObject({
      status: 'IN_PROGRESS',
      audienceCount: 3,
    });
    expect(await api.getAudience(1)).toBeUndefined();
    expect((await api.listAudiences()).map((a) => a.audienceGroupId)).toContain(created.audienceGroupId);
    await sleep(1100);
    line.state.audiences.narrowcastTimes.length = 0;
    const key = randomUUID();
    const first = await api.narrowcast(created.audienceGroupId, [{ type: 'text', text: 'hi' }], key);
    expect(await api.narrowcast(created.audienceGroupId, [{ type: 'text', text: 'hi' }], key)).toEqual({
      requestId: first.requestId,
      alreadyAccepted: true,
    });
    expect(await api.narrowcastProgress(first.requestId)).toMatchObject({ phase: 'waiting' });
    expect(await api.remainingQuota()).toBeGreaterThanOrEqual(0);

    expect(line.state.requests.length).toBeGreaterThan(8);
    for (const request of line.state.requests) {
      const spec = specFor(request.method, request.path);
      const operation = spec.operation(request.method, request.path);
      expect({ request: `${request.method} ${request.path}`, documented: Boolean(operation) }).toEqual({
        request: `${request.method} ${request.path}`,
        documented: true,
      });
      if (operation?.requestSchema) expect(spec.errors(operation.requestSchema, request.body)).toEqual([]);
      if (request.path === '/v2/bot/message/narrowcast') {
        expect(messagingSpec.errors('AudienceRecipient', request.body.recipient)).toEqual([]);
        expect(request.headers['x-line-retry-key']).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        );
      }
    }
  }, 20_000);

  it('the checker itself catches a wrong body', () => {
    expect(audienceSpec.errors('CreateAudienceGroupRequest', { audiences: 'U1' })).not.toEqual([]);
    expect(audienceSpec.errors('CreateAudienceGroupRequest', { description: 'x'.repeat(121) })).not.toEqual(
      [],
    );
    expect(
      audienceSpec.errors('GetAudienceGroupsResponse', { audienceGroups: [{ status: 'NOPE' }] }),
    ).not.toEqual([]);
    expect(messagingSpec.errors('NarrowcastProgressResponse', { phase: 'waiting' })).not.toEqual([]);
    expect(messagingSpec.errors('NarrowcastRequest', { recipient: { type: 'audience' } })).not.toEqual([]);
  });
});
