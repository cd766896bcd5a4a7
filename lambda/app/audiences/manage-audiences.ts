import {
  type AudienceRow,
  type AudienceSource,
  audienceMembers,
  audienceRows,
  type Candidate,
  checkDescription,
  InvalidAudienceError,
  inUploads,
} from '../../domain/audiences';
import { LineApiError } from '../errors';
import type { FriendshipStore, MemberStore } from '../ports';
import type { AudienceApi, AudienceStore } from './ports';

export interface AudienceDeps {
  line: AudienceApi;
  store: AudienceStore;
  members: Pick<MemberStore, 'ofChat' | 'lowestReach'>;
  friendships: Pick<FriendshipStore, 'getMany'>;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** `audiences list`: every audience LINE has for the channel, and whether this product made it. */
export async function listAudiences(deps: Pick<AudienceDeps, 'line' | 'store'>): Promise<AudienceRow[]> {
  const [line, ours] = await Promise.all([deps.line.listAudiences(), deps.store.list()]);
  return audienceRows(line, ours);
}

/** The chats an audience is made from now: the ones named, or the active ones below a reach. */
async function chatsOf(source: AudienceSource, deps: Pick<AudienceDeps, 'members'>): Promise<string[]> {
  if ('groups' in source) return source.groups;
  return (await deps.members.lowestReach({ below: source.belowReach })).map((r) => r.groupId);
}

/** The members of those chats with their friendships, as the rule reads them. */
async function candidates(
  groupIds: string[],
  deps: Pick<AudienceDeps, 'members' | 'friendships'>,
): Promise<Candidate[]> {
  const members = (await Promise.all(groupIds.map((id) => deps.members.ofChat(id)))).flat();
  const userIds = [...new Set(members.map((m) => m.member.userId))];
  const friendships = new Map(
    (await deps.friendships.getMany(userIds)).map((f) => [f.friendship.userId, f.friendship]),
  );
  return members.map(({ member }) => {
    const friendship = friendships.get(member.userId);
    return {
      userId: member.userId,
      status: member.status,
      firstSeenAt: member.firstSeenAt,
      ...(member.presentAt !== undefined && { presentAt: member.presentAt }),
      ...(member.absentAt !== undefined && { absentAt: member.absentAt }),
      ...(friendship?.isFriend !== undefined && { isFriend: friendship.isFriend }),
      ...(friendship?.friendSince !== undefined && { friendSince: friendship.friendSince }),
    };
  });
}

/** LINE allows 60 audience creations and additions a minute: a 429 waits (Retry-After, else back-off). */
async function withinRateLimit<T>(request: () => Promise<T>, deps: Pick<AudienceDeps, 'sleep'>): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof LineApiError && error.status === 429) || attempt >= 8) throw error;
      await sleep(
        error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : Math.min(60_000, 500 * 2 ** attempt),
      );
    }
  }
}

/** Uploads ids in LINE's requests of at most 10,000 each, to an audience that exists. */
async function addAll(audienceGroupId: number, uploads: string[][], deps: AudienceDeps): Promise<void> {
  for (const ids of uploads)
    await withinRateLimit(() => deps.line.addToAudience(audienceGroupId, ids, 'line-groups'), deps);
}

export interface CreatedAudience {
  audienceGroupId: number;
  status: string;
  userCount: number;
}

/**
 * `audiences create`: the present members of the chats (friends only when asked) uploaded to a new
 * audience on LINE, in requests of at most 10,000. LINE makes it READY later (hours on LINE).
 * The record is written with nothing marked uploaded until every request went through, so a
 * refresh after a crash uploads them all again (adding a user twice changes nothing on LINE).
 */
export async function createAudience(
  request: { name: string; source: AudienceSource; friendsOnly: boolean },
  deps: AudienceDeps,
): Promise<CreatedAudience> {
  const description = checkDescription(request.name);
  // Read after this moment: whoever joins later is picked up by a refresh.
  const since = deps.now().toISOString();
  const chats = await chatsOf(request.source, deps);
  const ids = audienceMembers(await candidates(chats, deps), { friendsOnly: request.friendsOnly });
  if (ids.length === 0) {
    throw new InvalidAudienceError(
      `no present ${request.friendsOnly ? 'friends' : 'members'} known in ${chats.length} chat(s): nothing to upload`,
    );
  }
  const [first = [], ...rest] = inUploads(ids);
  const created = await withinRateLimit(() => deps.line.createAudience(description, first), deps);
  await deps.store.put({
    audienceGroupId: created.audienceGroupId,
    description,
    source: request.source,
    friendsOnly: request.friendsOnly,
    createdAt: created.createdAt,
    uploadedUntil: '',
    userCount: first.length,
  });
  await addAll(created.audienceGroupId, rest, deps);
  await deps.store.uploaded(created.audienceGroupId, since, ids.length);
  return { audienceGroupId: created.audienceGroupId, status: created.status, userCount: ids.length };
}

/** `audiences refresh`: adds the members who joined (or became friends) since the last upload. */
export async function refreshAudience(
  audienceGroupId: number,
  deps: AudienceDeps,
): Promise<CreatedAudience & { added: number }> {
  const record = await deps.store.get(audienceGroupId);
  if (!record) {
    throw new InvalidAudienceError(
      `audience ${audienceGroupId} was not made by line-groups (chat tags are changed in LINE Official Account Manager)`,
    );
  }
  const since = deps.now().toISOString();
  const chats = await chatsOf(record.source, deps);
  const ids = audienceMembers(await candidates(chats, deps), {
    friendsOnly: record.friendsOnly,
    ...(record.uploadedUntil && { since: record.uploadedUntil }),
  });
  await addAll(audienceGroupId, inUploads(ids), deps);
  const userCount = (record.uploadedUntil ? record.userCount : 0) + ids.length;
  await deps.store.uploaded(audienceGroupId, since, userCount);
  const line = await deps.line.getAudience(audienceGroupId);
  return { audienceGroupId, status: line?.status ?? 'unknown', userCount, added: ids.length };
}
