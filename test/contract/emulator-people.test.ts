import { startLineEmulator, type LineEmulator } from '../../lib/local/line-emulator/server';
import { EmulatorControl } from '../../lib/local/simulator/client';
import { type Command, Simulator } from '../../lib/local/simulator/scenarios';
import {
  newGroupId,
  newRoomId,
  newUserId,
  webhookBody,
  type WebhookEvent,
} from '../../lib/local/simulator/webhook-events';
import { startWebhookServer, type WebhookServer } from '../../lib/local/webhook-server';
import { OpenApi, openApiFiles } from '../support/openapi';
import { describeNeeding } from '../support/prerequisites';
import { CHANNEL_SECRET, startHarness, type Harness } from '../support/webhook-harness';

// Without the files this fails, saying how to get them (LINE_GROUPS_SKIP_CONTRACT_TESTS=1 skips it).
const describeContract = describeNeeding(openApiFiles);

const TOKEN = 'contract-people-token';

describeContract('the people side of the LINE emulator, against LINE OpenAPI definitions', () => {
  describe('every answer of the member and friend reads is the body messaging-api.yml documents', () => {
    let api: OpenApi;
    let line: LineEmulator;
    beforeAll(async () => {
      api = new OpenApi('messaging-api.yml');
      line = await startLineEmulator({ channelAccessToken: TOKEN });
    });
    afterAll(() => line?.close());

    /** A read as the bot sends it, with the schema LINE documents for its status and its problems. */
    async function answer(path: string) {
      const response = await fetch(`${line.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await response.json()) as Record<string, unknown>;
      const pathname = path.split('?')[0]!;
      const schema = api.responseSchema('GET', pathname, response.status);
      return {
        status: response.status,
        operation: api.operation('GET', pathname)?.operationId,
        schema,
        problems: schema ? api.errors(schema, body) : ['no documented body'],
        // LINE's error format is exactly these two properties.
        extra:
          response.status >= 400 ? Object.keys(body).filter((k) => !['message', 'details'].includes(k)) : [],
        retryAfter: response.headers.get('retry-after'),
      };
    }

    it('profiles, member ids and followers: each status the emulator gives, validated', async () => {
      const { people } = line.state;
      const [group, room] = [newGroupId(), newRoomId()];
      const [friend, member, noPicture, left] = [newUserId(), newUserId(), newUserId(), newUserId()];
      people.setFriend(friend, true, { displayName: 'LINE太郎' });
      people.setFriend(newUserId(), true);
      people.join(group, member, { displayName: '花子' });
      people.join(room, noPicture, { pictureUrl: null });
      people.join(group, left);
      people.leave(group, left);
      people.leave(room, left);
      for (let i = 0; i < 120; i++) people.join(group, newUserId());
      const out = newGroupId();
      line.state.chat(out).isMember = false;

      const unverified = [
        await answer(`/v2/bot/group/${group}/member/${member}`),
        await answer(`/v2/bot/group/${group}/member/${friend}`),
        await answer(`/v2/bot/room/${room}/member/${noPicture}`),
        await answer(`/v2/bot/group/${group}/member/${left}`),
        await answer(`/v2/bot/room/${room}/member/${left}`),
        await answer(`/v2/bot/group/${out}/member/${member}`),
        await answer(`/v2/bot/profile/${friend}`),
        await answer(`/v2/bot/profile/${member}`),
        await answer(`/v2/bot/group/${group}/members/ids`),
        await answer(`/v2/bot/room/${room}/members/ids`),
        await answer('/v2/bot/followers/ids'),
      ];
      line.state.verified = true;
      const firstPage = (await (
        await fetch(`${line.url}/v2/bot/group/${group}/members/ids`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as { next: string };
      const verified = [
        await answer(`/v2/bot/group/${group}/members/ids`),
        await answer(`/v2/bot/group/${group}/members/ids?start=${firstPage.next}`),
        await answer(`/v2/bot/room/${room}/members/ids`),
        await answer(`/v2/bot/group/${out}/members/ids`),
        await answer(`/v2/bot/group/${group}/members/ids?start=not-a-token`),
        await answer('/v2/bot/followers/ids?limit=1'),
        await answer('/v2/bot/followers/ids'),
        await answer('/v2/bot/followers/ids?limit=1001'),
      ];
      const paths = [
        `/v2/bot/group/${group}/member/${member}`,
        `/v2/bot/room/${room}/member/${noPicture}`,
        `/v2/bot/profile/${friend}`,
        `/v2/bot/group/${group}/members/ids`,
        `/v2/bot/room/${room}/members/ids`,
        '/v2/bot/followers/ids',
      ];
      const limited = [];
      for (const path of paths) {
        line.state.faults.push({ match: `GET ${path}`, status: 429, retryAfterSeconds: 1, count: 1 });
        limited.push(await answer(path));
      }

      const seen = [...unverified, ...verified, ...limited];
      expect(seen.map((a) => [a.operation, a.status, a.schema])).toEqual([
        ['getGroupMemberProfile', 200, 'GroupUserProfileResponse'],
        ['getGroupMemberProfile', 200, 'GroupUserProfileResponse'],
        ['getRoomMemberProfile', 200, 'RoomUserProfileResponse'],
        ['getGroupMemberProfile', 404, 'ErrorResponse'],
        ['getRoomMemberProfile', 404, 'ErrorResponse'],
        ['getGroupMemberProfile', 404, 'ErrorResponse'],
        ['getProfile', 200, 'UserProfileResponse'],
        ['getProfile', 404, 'ErrorResponse'],
        ['getGroupMembersIds', 403, 'ErrorResponse'],
        ['getRoomMembersIds', 403, 'ErrorResponse'],
        ['getFollowers', 403, 'ErrorResponse'],
        ['getGroupMembersIds', 200, 'MembersIdsResponse'],
        ['getGroupMembersIds', 200, 'MembersIdsResponse'],
        ['getRoomMembersIds', 200, 'MembersIdsResponse'],
        ['getGroupMembersIds', 404, 'ErrorResponse'],
        ['getGroupMembersIds', 400, 'ErrorResponse'],
        ['getFollowers', 200, 'GetFollowersResponse'],
        ['getFollowers', 200, 'GetFollowersResponse'],
        ['getFollowers', 400, 'ErrorResponse'],
        ['getGroupMemberProfile', 429, 'ErrorResponse'],
        ['getRoomMemberProfile', 429, 'ErrorResponse'],
        ['getProfile', 429, 'ErrorResponse'],
        ['getGroupMembersIds', 429, 'ErrorResponse'],
        ['getRoomMembersIds', 429, 'ErrorResponse'],
        ['getFollowers', 429, 'ErrorResponse'],
      ]);
      expect(seen.flatMap((a) => [...a.problems, ...a.extra])).toEqual([]);
      expect(limited.map((a) => a.retryAfter)).toEqual(paths.map(() => '1'));
    });

    it('the checker itself catches a wrong body', () => {
      const ids = Array.from({ length: 101 }, newUserId);
      expect(api.errors('MembersIdsResponse', { memberIds: ids })).not.toEqual([]);
      expect(api.errors('MembersIdsResponse', { next: 'x' })).not.toEqual([]);
      expect(api.errors('UserProfileResponse', { userId: newUserId() })).not.toEqual([]);
      expect(api.errors('GroupUserProfileResponse', { displayName: 'x' })).not.toEqual([]);
      expect(api.errors('GetFollowersResponse', { userIds: 'U1' })).not.toEqual([]);
      expect(api.errors('ErrorResponse', { details: [] })).not.toEqual([]);
      expect(api.responseSchema('GET', `/v2/bot/profile/${newUserId()}`, 200)).toBe('UserProfileResponse');
      expect(api.responseSchema('POST', `/v2/bot/group/${newGroupId()}/leave`, 404)).toBe('ErrorResponse');
      expect(api.responseSchema('GET', '/v2/bot/nothing/here', 200)).toBeUndefined();
    });
  });

  describe("the simulator's webhooks about people match webhook.yml", () => {
    let api: OpenApi;
    let h: Harness;
    let server: WebhookServer;
    beforeAll(async () => {
      api = new OpenApi('webhook.yml');
      h = await startHarness();
      server = await startWebhookServer(h.handler, { port: 0, drain: () => h.processing.drain() });
    });
    afterAll(async () => {
      await server?.close();
      await h?.close();
    });

    it('follow, unblock, unfollow, senders named or not, members joining and leaving', async () => {
      const simulator = new Simulator({
        url: server.url,
        secret: CHANNEL_SECRET,
        emulator: new EmulatorControl(h.line.url),
      });
      const [groupId, roomId] = [newGroupId(), newRoomId()];
      const [alice, bob] = [newUserId(), newUserId()];
      const commands: Command[] = [
        { name: 'follow', userId: alice, displayName: 'Alice' },
        { name: 'unfollow', userId: alice },
        { name: 'follow', userId: alice },
        { name: 'join', groupId },
        { name: 'join', groupId: roomId },
        { name: 'message', groupId, text: 'こんにちは', userId: alice },
        { name: 'message', groupId, text: 'やあ' },
        { name: 'message', groupId: roomId, text: '…', userId: null },
        { name: 'postback', groupId, data: 'action=coupon', userId: null },
        { name: 'member-joined', groupId, members: [{ userId: alice }, { userId: bob, displayName: 'Bob' }] },
        { name: 'member-left', groupId, userIds: [bob] },
        { name: 'member-joined', groupId: roomId },
      ];
      const events: WebhookEvent[] = [];
      for (const command of commands) {
        for (const step of await simulator.run(command)) {
          expect(step.response.status).toBe(200);
          events.push(...step.events);
        }
      }

      expect(events.map((e) => [e.type, api.mapped('Event', e)])).toEqual([
        ['follow', 'FollowEvent'],
        ['unfollow', 'UnfollowEvent'],
        ['follow', 'FollowEvent'],
        ['join', 'JoinEvent'],
        ['join', 'JoinEvent'],
        ['message', 'MessageEvent'],
        ['message', 'MessageEvent'],
        ['message', 'MessageEvent'],
        ['postback', 'PostbackEvent'],
        ['memberJoined', 'MemberJoinedEvent'],
        ['memberLeft', 'MemberLeftEvent'],
        ['memberJoined', 'MemberJoinedEvent'],
      ]);
      for (const event of events) {
        expect(api.errors('Event', event)).toEqual([]);
        expect(api.errors('Source', event.source)).toEqual([]);
        for (const field of ['joined', 'left'] as const)
          for (const m of (event[field] as { members: unknown[] } | undefined)?.members ?? [])
            expect(api.errors('Source', m)).toEqual([]);
      }
      expect(api.errors('CallbackRequest', JSON.parse(webhookBody(events)))).toEqual([]);
      expect(events[2]).toMatchObject({ follow: { isUnblocked: true } });
    });
  });
});
