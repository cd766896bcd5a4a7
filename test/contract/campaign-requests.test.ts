import { DynamoDbCampaignStore } from '../../lambda/adapters/dynamodb/campaign-store';
import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';
import { runCampaign } from '../../lambda/app/campaign/run-campaign';
import { campaignMessages } from '../../lib/cli/campaign';
import { runningCoupon, seedActiveGroups, setMonthlyQuota } from '../support/campaign-fixtures';
import { OpenApi, openApiFiles } from '../support/openapi';
import { describeNeeding } from '../support/prerequisites';
import { Recorder, startHarness, type Harness } from '../support/webhook-harness';

// As test/contract/openapi.test.ts: without the files this fails, saying how to get them.
const describeContract = describeNeeding(openApiFiles);

describeContract(
  'a campaign paused by the monthly limit and resumed sends only what messaging-api.yml documents',
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({}, { monthlyQuota: 1_000_000 });
    });
    afterAll(() => h.close());

    it('every request (quota, consumption, pushes with X-Line-Retry-Key, coupon) validates', async () => {
      const api = new OpenApi('messaging-api.yml');
      const couponId = await runningCoupon(h);
      await seedActiveGroups(h, 5, { memberCount: 1 });
      const { consumed } = await setMonthlyQuota(h, 0);
      await setMonthlyQuota(h, consumed + 2);
      const recorder = new Recorder();
      const deps = {
        registry: h.registry,
        store: new DynamoDbCampaignStore(h.documents, h.tables),
        line: h.couponDeps.line,
        limiter: new RateLimiter(1000),
        log: recorder,
        telemetry: recorder,
        now: () => new Date(),
        concurrency: 2,
        maxAttempts: 3,
      };
      const spec = { campaignId: 'contract', couponId, messages: campaignMessages(couponId) };
      // --ignore-quota: sent anyway, until LINE says the month is spent.
      expect(await runCampaign(spec, { ignoreQuota: true }, deps)).toMatchObject({ status: 'paused_quota' });
      await setMonthlyQuota(h, consumed + 100);
      expect(await runCampaign(spec, { ignoreQuota: false }, deps)).toMatchObject({
        status: 'done',
        sent: 5,
      });

      const pushes = h.line.state.requests.filter((r) => r.path === '/v2/bot/message/push');
      expect(pushes.length).toBeGreaterThan(5); // the refused ones too
      for (const request of h.line.state.requests) {
        const operation = api.operation(request.method, request.path);
        expect({ request: `${request.method} ${request.path}`, documented: Boolean(operation) }).toEqual({
          request: `${request.method} ${request.path}`,
          documented: true,
        });
        if (operation?.requestSchema) {
          expect(api.errors(operation.requestSchema, request.body)).toEqual([]);
          for (const message of (request.body.messages as Record<string, unknown>[] | undefined) ?? [])
            expect(api.errors('Message', message)).toEqual([]);
        }
      }
      // The retry key is the header the spec names, a UUID (format is not checked by the schema validator).
      const pushOperation = api.spec.paths['/v2/bot/message/push']!.post as {
        parameters: { name: string }[];
      };
      expect(pushOperation.parameters.map((p) => p.name)).toContain('X-Line-Retry-Key');
      for (const push of pushes)
        expect(push.headers['x-line-retry-key']).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
    });
  },
);
