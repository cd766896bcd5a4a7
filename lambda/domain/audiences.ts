/**
 * Audiences: sets of LINE users a narrowcast goes to, one to one. LINE holds the user ids; this
 * product keeps only how it chose them (which chats, friends only or not) and up to when, so a
 * refresh adds who joined since. No pure rule here reads or writes anything.
 */

/** An audience as LINE lists it (its own or OA Manager's: chat tags are `type: CHAT_TAG`). */
export interface LineAudience {
  audienceGroupId: number;
  description: string;
  type: string;
  /** IN_PROGRESS, READY, FAILED, EXPIRED, INACTIVE, ACTIVATING (manage-audience.yml). */
  status: string;
  audienceCount: number;
  createdAt: string;
  expiresAt?: string;
  /** MESSAGING_API (this channel's uploads), OA_MANAGER, ... */
  createRoute: string;
}

/** Which chats' present members make the audience. */
export type AudienceSource = { groups: string[] } | { belowReach: number };

/** One audience this product made: the audiences table. Holds no user id. */
export interface AudienceRecord {
  audienceGroupId: number;
  description: string;
  source: AudienceSource;
  friendsOnly: boolean;
  createdAt: string;
  /** Members who became part of it up to this time were uploaded; a refresh adds the later ones. */
  uploadedUntil: string;
  /** User ids uploaded in all (LINE's audienceCount may differ: it counts each user once). */
  userCount: number;
}

/** `audiences list --json`: LINE's audiences, with where each came from. */
export interface AudienceRow {
  audienceGroupId: number;
  description: string;
  type: string;
  status: string;
  audienceCount: number;
  createdAt: string;
  expiresAt: string | null;
  origin: 'line-groups' | 'line';
}

export function audienceRows(line: LineAudience[], ours: AudienceRecord[]): AudienceRow[] {
  const made = new Set(ours.map((a) => a.audienceGroupId));
  return line.map((a) => ({
    audienceGroupId: a.audienceGroupId,
    description: a.description,
    type: a.type,
    status: a.status,
    audienceCount: a.audienceCount,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt ?? null,
    origin: made.has(a.audienceGroupId) ? 'line-groups' : 'line',
  }));
}

/** LINE takes at most 10,000 user ids in one JSON upload. */
export const MAX_IDS_PER_UPLOAD = 10_000;
/** LINE's limit on an audience's name. */
export const MAX_DESCRIPTION_LENGTH = 120;

export function inUploads<T>(ids: T[], size = MAX_IDS_PER_UPLOAD): T[][] {
  const uploads: T[][] = [];
  for (let i = 0; i < ids.length; i += size) uploads.push(ids.slice(i, i + size));
  return uploads;
}

/** What the rule needs of a member and of their friendship. */
export interface Candidate {
  userId: string;
  status: 'present' | 'left';
  firstSeenAt: string;
  presentAt?: string;
  absentAt?: string;
  /** undefined: not known (never followed, not checked yet). */
  isFriend?: boolean;
  friendSince?: string;
}

/**
 * When a present member became part of the audience: their first sign in the chat, or (after a
 * leave) their latest one; with friends only, no earlier than becoming a friend. A member who
 * spoke after a rejoin may be counted as new again: adding a user already in an audience changes
 * nothing on LINE.
 */
export function eligibleSince(c: Candidate, friendsOnly: boolean): string | undefined {
  if (c.status !== 'present') return undefined;
  if (friendsOnly && c.isFriend !== true) return undefined;
  const inChat = c.absentAt === undefined ? c.firstSeenAt : (c.presentAt ?? c.firstSeenAt);
  return friendsOnly && c.friendSince !== undefined && c.friendSince > inChat ? c.friendSince : inChat;
}

/**
 * The user ids to upload: present members (friends only when asked: `isFriend: false` or unknown
 * never is), each once across chats, and for a refresh only those who became eligible after `since`.
 */
export function audienceMembers(
  candidates: Candidate[],
  options: { friendsOnly: boolean; since?: string },
): string[] {
  const ids = new Set<string>();
  for (const c of candidates) {
    const at = eligibleSince(c, options.friendsOnly);
    if (at !== undefined && (options.since === undefined || at > options.since)) ids.add(c.userId);
  }
  return [...ids];
}

/** An operator's input that LINE or the rule would refuse. */
export class InvalidAudienceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAudienceError';
  }
}

/** The audience's name as LINE takes it: 1 to 120 characters. */
export function checkDescription(description: string): string {
  const trimmed = description.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_DESCRIPTION_LENGTH)
    throw new InvalidAudienceError(`the name must be 1 to ${MAX_DESCRIPTION_LENGTH} characters`);
  return trimmed;
}

/** `--below-reach`: a share from 0 to 1 (chats where fewer than that share of members are friends). */
export function parseBelowReach(text: string): number {
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(value >= 0 && value <= 1))
    throw new InvalidAudienceError(`--below-reach must be a number from 0 to 1 (got "${text}")`);
  return value;
}

/** `--groups`: chat ids, comma-separated, each a LINE group or room id. */
export function parseGroupIds(text: string): string[] {
  const ids = [
    ...new Set(
      text
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
  const bad = ids.filter((id) => !/^[CR][0-9a-f]{32}$/.test(id));
  if (ids.length === 0 || bad.length > 0)
    throw new InvalidAudienceError(
      `--groups takes chat ids (C… or R…, 33 characters), comma-separated${bad.length ? `; not one: ${bad.join(', ')}` : ''}`,
    );
  return ids;
}

/** LINE's progress of one narrowcast (messaging-api.yml NarrowcastProgressResponse). */
export interface NarrowcastProgress {
  phase: 'waiting' | 'sending' | 'succeeded' | 'failed';
  targetCount?: number;
  successCount?: number;
  failureCount?: number;
  failedDescription?: string;
  errorCode?: number;
}
