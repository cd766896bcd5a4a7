import type { EmulatedChat, EmulatorState } from './state';
import { HttpError, invalid, type Route } from './http';
import type { ProfileChange } from './people';

/** LINE's page of member ids; the followers page is the caller's `limit` (300 unless given, 1,000 at most). */
const MEMBER_IDS_PAGE = 100;
const FOLLOWERS_DEFAULT_LIMIT = 300;
const FOLLOWERS_MAX_LIMIT = 1000;

/** LINE's answer to an unverified, non-premium account asking for member or follower ids. */
const notForThisAccount = () => new HttpError(403, 'Access to this API is not available for your account');

/** The `next` token: opaque to the bot, the offset of the next page to us. */
const token = (offset: number) => Buffer.from(`emulator:${offset}`).toString('base64url');
function offsetOf(start: string | null): number {
  if (start === null) return 0;
  const match = /^emulator:(\d+)$/.exec(Buffer.from(start, 'base64url').toString('utf8'));
  if (!match) throw invalid('start', 'Invalid continuation token');
  return Number(match[1]);
}

/** One page of `ids` from the `start` token; `next` only while more remain, as LINE does. */
function page(ids: string[], start: string | null, size: number) {
  const offset = offsetOf(start);
  return {
    ids: ids.slice(offset, offset + size),
    ...(offset + size < ids.length && { next: token(offset + size) }),
  };
}

type Check = [valid: (value: unknown) => boolean, message: string];
const isBoolean: Check = [(v) => typeof v === 'boolean', 'Must be true or false'];
const isName: Check = [(v) => typeof v === 'string' && v.trim() !== '', 'Must be a non-empty string'];
const isPicture: Check = [
  (v) => v === null || (typeof v === 'string' && /^https:\/\//.test(v)),
  'Must be an https URL, or null for no picture',
];

/** The control API's bodies: every property known and valid, or 400 and nothing changes. */
function validate(body: Record<string, unknown>, checks: Record<string, Check>, required: string[] = []) {
  const details = Object.keys(body)
    .filter((key) => !(key in checks))
    .map((property) => ({ property, message: 'Unknown property' }));
  for (const property of required)
    if (body[property] === undefined) details.push({ property, message: 'Must not be null' });
  for (const [property, [valid, message]] of Object.entries(checks))
    if (body[property] !== undefined && !valid(body[property])) details.push({ property, message });
  if (details.length > 0)
    throw new HttpError(400, `The request body has ${details.length} error(s)`, details);
}

const profileChange = (body: Record<string, unknown>): ProfileChange => ({
  ...(body.displayName !== undefined && { displayName: body.displayName as string }),
  ...(body.pictureUrl !== undefined && { pictureUrl: body.pictureUrl as string | null }),
});

/**
 * The people side of the emulator: LINE's member and friend reads (as messaging-api.yml and LINE's
 * reference describe them) and the control API that says who is whose friend and in which chat.
 */
export function peopleRoutes(
  state: EmulatorState,
  memberChat: (groupId: string, chatType: EmulatedChat['chatType']) => EmulatedChat,
): { api: Record<string, Route>; control: Record<string, Route> } {
  const { people } = state;

  // Anyone in the chat, friend or not; 404 once they left, or when the OA is not in it.
  const memberProfile =
    (chatType: EmulatedChat['chatType']): Route =>
    ({ params: [chatId, userId] }) => {
      memberChat(chatId, chatType);
      if (people.hasLeft(chatId, userId)) throw new HttpError(404, 'Not found');
      const { displayName, pictureUrl } = people.person(userId);
      return { displayName, userId, ...(pictureUrl && { pictureUrl }) };
    };
  const memberIds =
    (chatType: EmulatedChat['chatType']): Route =>
    ({ params: [chatId], query }) => {
      if (!state.verified) throw notForThisAccount();
      memberChat(chatId, chatType);
      const { ids, next } = page(people.members(chatId), query.get('start'), MEMBER_IDS_PAGE);
      return { memberIds: ids, ...(next && { next }) };
    };

  const api: Record<string, Route> = {
    'GET /v2/bot/group/([^/]+)/member/([^/]+)': memberProfile('group'),
    'GET /v2/bot/room/([^/]+)/member/([^/]+)': memberProfile('room'),
    'GET /v2/bot/group/([^/]+)/members/ids': memberIds('group'),
    'GET /v2/bot/room/([^/]+)/members/ids': memberIds('room'),
    // Only friends: LINE answers 404 for anyone else, including those who blocked the OA.
    'GET /v2/bot/profile/([^/]+)': ({ params: [userId] }) => {
      const { displayName, pictureUrl, friend } = people.person(userId);
      if (!friend) throw new HttpError(404, 'Not found');
      return { displayName, userId, ...(pictureUrl && { pictureUrl }), language: 'ja' };
    },
    'GET /v2/bot/followers/ids': ({ query }) => {
      if (!state.verified) throw notForThisAccount();
      const limit = Number(query.get('limit') ?? FOLLOWERS_DEFAULT_LIMIT);
      if (!Number.isInteger(limit) || limit < 1 || limit > FOLLOWERS_MAX_LIMIT)
        throw invalid('limit', `Must be between 1 and ${FOLLOWERS_MAX_LIMIT}`);
      const { ids, next } = page(people.followers(), query.get('start'), limit);
      return { userIds: ids, ...(next && { next }) };
    },
  };

  const member = (userId: string) => {
    const { displayName, friend } = people.person(userId);
    return { userId, displayName, friend };
  };
  const control: Record<string, Route> = {
    'GET /emulator/account': () => ({ verified: state.verified }),
    'PUT /emulator/account': ({ body }) => {
      validate(body, { verified: isBoolean }, ['verified']);
      state.verified = body.verified as boolean;
      return { verified: state.verified };
    },
    'GET /emulator/friends/([^/]+)': ({ params: [userId] }) => people.person(userId),
    // {"friend": true|false}, and the name (or picture) LINE shows for them if given.
    'PUT /emulator/friends/([^/]+)': ({ params: [userId], body }) => {
      validate(body, { friend: isBoolean, displayName: isName, pictureUrl: isPicture }, ['friend']);
      return people.setFriend(userId, body.friend as boolean, profileChange(body));
    },
    'GET /emulator/chats/([^/]+)/members': ({ params: [chatId] }) => ({
      members: people.members(chatId).map(member),
    }),
    // Someone joins (LINE's count goes up by one); saying so again changes only the name.
    'PUT /emulator/chats/([^/]+)/members/([^/]+)': ({ params: [chatId, userId], body }) => {
      validate(body, { displayName: isName, pictureUrl: isPicture });
      const chat = state.chat(chatId);
      if (people.join(chatId, userId, profileChange(body))) chat.memberCount += 1;
      return member(userId);
    },
    'DELETE /emulator/chats/([^/]+)/members/([^/]+)': ({ params: [chatId, userId] }) => {
      const chat = state.chat(chatId);
      if (people.leave(chatId, userId)) chat.memberCount = Math.max(0, chat.memberCount - 1);
      return {};
    },
  };
  return { api, control };
}
