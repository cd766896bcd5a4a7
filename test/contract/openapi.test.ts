import {
  webhookEvents,
  webhookBody,
  newGroupId,
  newRoomId,
  newUserId,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { createCoupon, setGroupCoupon } from '../../lambda/app/manage-coupons';
import { OpenApi, openApiFiles } from '../support/openapi';
import { describeNeeding } from '../support/prerequisites';
import { startHarness, type Harness } from '../support/webhook-harness';

// Without the files this fails, saying how to get them (LINE_GROUPS_SKIP_CONTRACT_TESTS=1 skips it).
const describeContract = describeNeeding(openApiFiles);

describeContract('contract with LINE OpenAPI definitions (shared/line-openapi)', () => {
  describe('webhooks the simulator signs match webhook.yml', () => {
    // Read in beforeAll: a skipped suite still runs its describe bodies.
    let api: OpenApi;
    beforeAll(() => {
      api = new OpenApi('webhook.yml');
    });
    const group = newGroupId();
    const samples: WebhookEvent[] = [
      webhookEvents.join(group),
      webhookEvents.join(newRoomId()),
      webhookEvents.leave(group),
      webhookEvents.message(group, 'クーポン'),
      webhookEvents.postback(group, 'action=coupon'),
      webhookEvents.memberJoined(group, [newUserId(), newUserId()]),
      webhookEvents.memberLeft(group),
      webhookEvents.follow(newUserId()),
    ];

    it.each(samples.map((e) => [e.type, e] as const))('%s event', (_type, event) => {
      expect(api.errors('Event', event)).toEqual([]);
      expect(api.mapped('Event', event)).toBeDefined();
      expect(api.errors('Source', event.source)).toEqual([]);
      for (const field of ['joined', 'left'] as const) {
        const members = (event[field] as { members: unknown[] } | undefined)?.members ?? [];
        for (const member of members) expect(api.errors('Source', member)).toEqual([]);
      }
    });

    it('the whole body is a CallbackRequest', () => {
      expect(api.errors('CallbackRequest', JSON.parse(webhookBody(samples)))).toEqual([]);
    });

    it('the checker itself catches a wrong shape', () => {
      expect(api.errors('Event', { ...webhookEvents.join(group), replyToken: undefined })).not.toEqual([]);
      expect(api.errors('Source', { type: 'group' })).not.toEqual([]);
    });
  });

  describe('requests the bot sends match messaging-api.yml', () => {
    let api: OpenApi;
    let h: Harness;
    beforeAll(async () => {
      api = new OpenApi('messaging-api.yml');
      h = await startHarness();
    });
    afterAll(() => h.close());

    it('every request is a documented operation, and every body validates against its schema', async () => {
      const group = newGroupId();
      const room = newRoomId();
      await h.post([
        webhookEvents.join(group, { replyToken: h.line.state.issueReplyToken(group) }),
        webhookEvents.join(room),
      ]);
      await h.post([
        webhookEvents.memberJoined(group),
        webhookEvents.message(group, 'クーポン', { replyToken: h.line.state.issueReplyToken(group) }),
      ]);
      // A keyword that needs an @mention: the reply mentions its sender (text message v2); the
      // sender, new to the chat, has their name read and their friendship checked.
      const coupon = await createCoupon(
        {
          title: 'c',
          startsAt: new Date(Date.now() - 60_000),
          endsAt: new Date(Date.now() + 3_600_000),
          reward: { type: 'free' },
        },
        h.couponDeps,
      );
      await setGroupCoupon(coupon.couponId, h.couponDeps);
      await h.couponDeps.settings.setTemplateOverrides({ keywordsNeedMention: true });
      await h.post([
        webhookEvents.message(group, 'クーポン', {
          mentionsOa: 'OA',
          userId: newUserId(),
          replyToken: h.line.state.issueReplyToken(group),
        }),
      ]);
      await h.processing.sweep();

      const operations = h.line.state.requests.map((r) => api.operation(r.method, r.path)?.operationId);
      expect(operations).toEqual(
        expect.arrayContaining(['replyMessage', 'getGroupMemberProfile', 'getProfile', 'getGroupSummary']),
      );
      const replies = h.line.state.requests.filter((r) => r.path === '/v2/bot/message/reply');
      expect(replies.flatMap((r) => (r.body.messages as { type: string }[]).map((m) => m.type))).toContain(
        'textV2',
      );
      for (const request of h.line.state.requests) {
        const operation = api.operation(request.method, request.path);
        expect({ request: `${request.method} ${request.path}`, documented: Boolean(operation) }).toEqual({
          request: `${request.method} ${request.path}`,
          documented: true,
        });
        if (operation?.requestSchema) {
          expect(api.errors(operation.requestSchema, request.body)).toEqual([]);
          for (const message of (request.body.messages as Record<string, unknown>[] | undefined) ?? []) {
            expect(api.errors('Message', message)).toEqual([]);
          }
        }
      }
    });
  });
});
