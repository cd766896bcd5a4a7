import type { EmulatorState, SentMessage } from './state';
import { Answer, HttpError, invalid, type Route } from './http';
import { type AudienceType, Audiences, type EmulatedAudience, MAX_AUDIENCES } from './audiences';
import { narrowcastRoutes } from './narrowcast';

/** LINE's limits on one JSON upload, and on the list's page. */
const MAX_IDS_PER_REQUEST = 10_000;
const MAX_DESCRIPTION = 120;
const LIST_DEFAULT_SIZE = 20;
const LIST_MAX_SIZE = 40;
const USER_ID = /^U[0-9a-f]{32}$/;

/** LINE's answer for an audience id it does not know (manage-audience.yml's example). */
export const audienceNotFound = () =>
  new HttpError(400, 'audience group not found', [
    { message: 'AUDIENCE_GROUP_NOT_FOUND', property: 'audienceGroupId' },
  ]);

const tooMany = () => new HttpError(429, 'The API rate limit has been exceeded. Try again later.');

/** The audience as manage-audience.yml's AudienceGroup (with expireTimestamp, as LINE's examples have it). */
export function audienceGroup(audiences: Audiences, audience: EmulatedAudience) {
  return {
    audienceGroupId: audience.audienceGroupId,
    type: audience.type,
    description: audience.description,
    status: audiences.status(audience),
    audienceCount: audience.userIds.size,
    created: audience.created,
    permission: audience.createRoute === 'MESSAGING_API' ? 'READ_WRITE' : 'READ',
    createRoute: audience.createRoute,
    isIfaAudience: false,
    expireTimestamp: audience.created + 180 * 86_400,
  };
}

/** The `audiences` array of an upload: 1 to 10,000 `{id}` that are user ids (IFAs are not emulated). */
function userIdsOf(body: Record<string, unknown>, required: boolean): string[] {
  const list = body.audiences;
  if (list === undefined && !required) return [];
  if (!Array.isArray(list) || (required && list.length === 0) || list.length > MAX_IDS_PER_REQUEST)
    throw invalid('audiences', `Size must be between ${required ? 1 : 0} and ${MAX_IDS_PER_REQUEST}`);
  const details = list.flatMap((entry: unknown, i) =>
    typeof entry === 'object' &&
    entry !== null &&
    typeof (entry as { id?: unknown }).id === 'string' &&
    USER_ID.test((entry as { id: string }).id)
      ? []
      : [{ property: `audiences[${i}].id`, message: 'Must be a user ID' }],
  );
  if (details.length > 0)
    throw new HttpError(400, `The request body has ${details.length} error(s)`, details.slice(0, 10));
  return list.map((entry: { id: string }) => entry.id);
}

function checkDescription(value: unknown): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_DESCRIPTION)
    throw invalid('description', `Length must be between 1 and ${MAX_DESCRIPTION}`);
  return value;
}

/**
 * LINE's audience endpoints (create and add by JSON, get, list, delete) and the control API that
 * stands in for LINE Official Account Manager: a chat-tag audience made there by hand.
 */
export function audienceRoutes(
  state: EmulatorState,
  onSent: (sent: SentMessage) => void,
): { api: Record<string, Route>; control: Record<string, Route> } {
  const { audiences } = state;
  const { options } = audiences;
  const find = (id: string | number) => {
    const audience = audiences.byId.get(Number(id));
    if (!audience) throw audienceNotFound();
    return audience;
  };
  const uploadAllowed = () => {
    if (!Audiences.allow(audiences.uploadTimes, options.uploadsPerMinute ?? 60, 60_000)) throw tooMany();
  };
  const narrowcast = narrowcastRoutes(state, onSent);

  const api: Record<string, Route> = {
    ...narrowcast.api,
    'POST /v2/bot/audienceGroup/upload': ({ body }) => {
      const description = checkDescription(body.description);
      if (body.isIfaAudience === true)
        throw invalid('isIfaAudience', 'IFA audiences are not available for this channel');
      const userIds = userIdsOf(body, false);
      if (audiences.byId.size >= MAX_AUDIENCES)
        throw new HttpError(400, `You can create up to ${MAX_AUDIENCES} audiences`);
      uploadAllowed();
      const audience = audiences.create(
        { description, type: 'UPLOAD', createRoute: 'MESSAGING_API' },
        userIds,
      );
      if (userIds.length > 0) {
        audience.jobs.push({
          audienceGroupJobId: audiences.nextJobId(),
          description: typeof body.uploadDescription === 'string' ? body.uploadDescription : '',
          audienceCount: userIds.length,
          created: audience.created,
        });
      }
      const { status: _status, audienceCount: _count, ...created } = audienceGroup(audiences, audience);
      return new Answer(202, created);
    },
    'PUT /v2/bot/audienceGroup/upload': ({ body }) => {
      if (!Number.isSafeInteger(body.audienceGroupId)) throw invalid('audienceGroupId', 'Must not be null');
      const audience = find(body.audienceGroupId as number);
      if (audience.type !== 'UPLOAD' || audience.createRoute !== 'MESSAGING_API')
        throw new HttpError(400, 'This audience cannot be updated', [
          { message: 'AUDIENCE_GROUP_CANNOT_BE_UPDATED', property: 'audienceGroupId' },
        ]);
      if (audiences.status(audience) === 'EXPIRED') throw new HttpError(400, 'The audience has expired');
      const userIds = userIdsOf(body, true);
      uploadAllowed();
      const before = audience.userIds.size;
      for (const id of userIds) audience.userIds.add(id);
      audience.jobs.push({
        audienceGroupJobId: audiences.nextJobId(),
        description: typeof body.uploadDescription === 'string' ? body.uploadDescription : '',
        audienceCount: audience.userIds.size - before,
        created: Math.floor(Date.now() / 1000),
      });
      return new Answer(202, {});
    },
    'GET /v2/bot/audienceGroup/list': ({ query }) => {
      const page = Number(query.get('page'));
      if (!Number.isInteger(page) || page < 1) throw invalid('page', 'Must be 1 or higher');
      const size = Number(query.get('size') ?? LIST_DEFAULT_SIZE);
      if (!Number.isInteger(size) || size < 1 || size > LIST_MAX_SIZE)
        throw invalid('size', `Must be between 1 and ${LIST_MAX_SIZE}`);
      const description = query.get('description')?.toLowerCase();
      const status = query.get('status');
      const createRoute = query.get('createRoute');
      const all = [...audiences.byId.values()]
        .map((a) => audienceGroup(audiences, a))
        .filter(
          (a) =>
            (!description || a.description.toLowerCase().includes(description)) &&
            (!status || a.status === status) &&
            (!createRoute || a.createRoute === createRoute),
        )
        .sort((a, b) => b.audienceGroupId - a.audienceGroupId);
      return {
        audienceGroups: all.slice((page - 1) * size, page * size),
        hasNextPage: page * size < all.length,
        totalCount: all.length,
        readWriteAudienceGroupTotalCount: all.filter((a) => a.permission === 'READ_WRITE').length,
        page,
        size,
      };
    },
    'GET /v2/bot/audienceGroup/(\\d+)': ({ params: [id] }) => {
      const audience = find(id);
      return {
        audienceGroup: audienceGroup(audiences, audience),
        jobs: audience.jobs.slice(-50).map((job) => ({
          ...job,
          audienceGroupId: audience.audienceGroupId,
          type: 'DIFF_ADD',
          jobStatus: 'FINISHED',
        })),
      };
    },
    'DELETE /v2/bot/audienceGroup/(\\d+)': ({ params: [id] }) => {
      audiences.byId.delete(find(id).audienceGroupId);
      return {};
    },
  };

  const control: Record<string, Route> = {
    ...narrowcast.control,
    // OA Manager's side: {"description", "userIds": [...], "type"?: "CHAT_TAG"}; ready at once.
    'POST /emulator/audiences': ({ body }) => {
      const description = checkDescription(body.description);
      const type = (body.type ?? 'CHAT_TAG') as AudienceType;
      if (type !== 'CHAT_TAG' && type !== 'UPLOAD') throw invalid('type', 'Must be CHAT_TAG or UPLOAD');
      const userIds = body.userIds;
      if (!Array.isArray(userIds) || !userIds.every((id) => typeof id === 'string' && USER_ID.test(id)))
        throw invalid('userIds', 'Must be a list of user IDs');
      const audience = audiences.create({ description, type, createRoute: 'OA_MANAGER' }, userIds, true);
      return audienceGroup(audiences, audience);
    },
    // Who is in each audience (never shown by LINE: for tests and the curious).
    'GET /emulator/audiences': () =>
      [...audiences.byId.values()].map((a) => ({
        ...audienceGroup(audiences, a),
        userIds: [...a.userIds],
      })),
  };
  return { api, control };
}
