import { newGroupId, newRoomId, newUserId, ulid } from '../../lib/local/simulator/webhook-events';
import { OpenApi, openApiFiles } from '../support/openapi';
import { describeNeeding } from '../support/prerequisites';
import { startHarness, type Harness } from '../support/webhook-harness';

// Without the files this fails, saying how to get them (LINE_GROUPS_SKIP_CONTRACT_TESTS=1 skips it).
const describeContract = describeNeeding(openApiFiles);

const REGISTRY_TYPES = ['join', 'leave', 'message', 'postback', 'memberJoined', 'memberLeft'];
const EVENT_TYPES = [
  'message',
  'unsend',
  'follow',
  'unfollow',
  'join',
  'leave',
  'memberJoined',
  'memberLeft',
  'postback',
  'videoPlayComplete',
  'beacon',
  'accountLink',
  'membership',
  'module',
  'activated',
  'deactivated',
  'botSuspended',
  'botResumed',
  'delivery',
];

describeContract(
  "every event type in LINE's webhook.yml, from groups, rooms and users, in both modes",
  () => {
    let h: Harness;
    let api: OpenApi;
    beforeAll(async () => {
      h = await startHarness();
      api = new OpenApi('webhook.yml');
    });
    afterAll(() => h?.close());

    const sources: Record<string, () => Record<string, string>> = {
      group: () => ({ type: 'group', groupId: newGroupId(), userId: newUserId() }),
      room: () => ({ type: 'room', roomId: newRoomId(), userId: newUserId() }),
      user: () => ({ type: 'user', userId: newUserId() }),
    };

    it.each(
      Object.keys(sources).flatMap((source) =>
        (['active', 'standby'] as const).map((mode) => [source, mode] as const),
      ),
    )(
      'from a %s in %s mode: answered 200; chat events recorded; standby never answered',
      async (sourceType, mode) => {
        const mapping = (
          api.spec.components.schemas.Event!.discriminator as { mapping: Record<string, string> }
        ).mapping;
        const source = sources[sourceType]!();
        const chatId =
          (source as { groupId?: string; roomId?: string }).groupId ?? (source as { roomId?: string }).roomId;
        const t = Date.now();
        const events = Object.entries(mapping).map(([type, ref], i) => {
          const event: Record<string, unknown> = {
            ...api.example(ref.split('/').pop()!),
            type,
            mode,
            timestamp: t + i,
            webhookEventId: ulid(t + i),
            deliveryContext: { isRedelivery: false },
            source,
          };
          if ('replyToken' in event) event.replyToken = h.line.state.issueReplyToken(chatId ?? 'user');
          // What LINE's spec says of every event (in standby LINE sends no reply token at all).
          expect(api.errors('Event', event)).toEqual([]);
          if (mode === 'standby') delete event.replyToken;
          return event;
        });
        // Every event type this spec (line-openapi 6e4c2a2) defines; a new one fails here until added.
        expect(events.map((e) => e.type)).toEqual(EVENT_TYPES);

        const res = await h.post(events as never);
        expect(res.statusCode).toBe(200);
        expect(h.recorder.lines.filter((l) => l.message.startsWith('event skipped'))).toEqual([]);

        if (!chatId) {
          expect(h.line.state.sent.filter((s) => s.to === 'user')).toEqual([]);
          return;
        }
        const recorded = await h.registry.recentEvents(chatId, 100);
        expect(recorded.map((r) => r.eventType).sort()).toEqual([...REGISTRY_TYPES].sort());
        expect(recorded.every((r) => r.mode === mode)).toBe(true);
        const answered = h.line.state.sent.filter((s) => s.to === chatId);
        if (mode === 'standby') {
          expect(answered).toEqual([]);
          expect(recorded.some((r) => r.reply)).toBe(false);
        }
      },
    );
  },
);
