/**
 * The people in a chat, as far as LINE lets us know them: from `memberJoined`/`memberLeft`, the
 * senders of messages and postbacks (only phone users who consented), and, where LINE allows it,
 * a sync of the member list. Like the registry, every fact is a maximum or a minimum, so any
 * order of the same events ends in the same member.
 */
export type MemberStatus = 'present' | 'left';

/** How we first learned of a member. */
export type MemberSource = 'memberJoined' | 'memberLeft' | 'message' | 'postback' | 'sync';

export interface Member {
  groupId: string;
  userId: string;
  status: MemberStatus;
  /** The earliest fact about them in this chat. */
  firstSeenAt: string;
  /** The latest fact about them in this chat (a message counts as its day: this moves at most daily). */
  lastSeenAt: string;
  /** The latest sign they were in the chat (a join, a message, a sync that listed them). */
  presentAt?: string;
  /** The latest sign they were not (a leave, a sync that did not list them, LINE's 404). */
  absentAt?: string;
  source: MemberSource;
  /** Read from LINE's group-member profile after the fact (whether or not they are a friend). */
  displayName?: string;
  displayNameAt?: string;
}

/** One thing we learnt about a member, at a time (LINE's event time, or our clock for reads). */
export interface MemberFact {
  userId: string;
  at: string;
  kind: 'present' | 'absent';
  source: MemberSource;
}

const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);

/** Which source names the first fact when two are of the same time (a message and a postback of a day). */
const SOURCE_RANK: Record<MemberSource, number> = {
  memberJoined: 0,
  memberLeft: 1,
  message: 2,
  postback: 3,
  sync: 4,
};

/**
 * Applies one fact. Presence and absence are maxima; the later wins, and a leave wins a tie with
 * a message of the same millisecond (as for the OA itself), so a `memberLeft` delivered before the
 * `memberJoined` it follows still ends `left`.
 */
export function applyMemberFact(member: Member | undefined, groupId: string, fact: MemberFact): Member {
  const next: Member = member
    ? { ...member }
    : {
        groupId,
        userId: fact.userId,
        status: 'present',
        firstSeenAt: fact.at,
        lastSeenAt: fact.at,
        source: fact.source,
      };
  // The earliest fact names the source; a tie is broken by rank, not by arrival, so any order ends the same.
  if (
    fact.at < next.firstSeenAt ||
    (fact.at === next.firstSeenAt && SOURCE_RANK[fact.source] < SOURCE_RANK[next.source])
  ) {
    next.firstSeenAt = fact.at;
    next.source = fact.source;
  }
  next.lastSeenAt = later(next.lastSeenAt, fact.at);
  if (fact.kind === 'present') next.presentAt = later(next.presentAt, fact.at);
  else next.absentAt = later(next.absentAt, fact.at);
  next.status =
    next.presentAt !== undefined && (next.absentAt === undefined || next.presentAt > next.absentAt)
      ? 'present'
      : 'left';
  return next;
}

/** The start of an ISO time's day in Japan (UTC+9 all year), as an ISO time. */
export const japanDayStart = (iso: string) =>
  new Date(
    Math.floor((Date.parse(iso) + 9 * 3_600_000) / 86_400_000) * 86_400_000 - 9 * 3_600_000,
  ).toISOString();

/**
 * What an event tells about members: who joined, who left, who spoke. A message or postback
 * counts as presence on its day (Japan time), not its millisecond: a member's many messages of a
 * day are one fact, written once, so a routine message costs no more than before. (A member who
 * left can only speak again after a `memberJoined`, which is exact: a day-grained message never
 * hides a leave.)
 */
export function memberFacts(event: {
  type: string;
  at: string;
  userId?: string;
  members?: string[];
}): MemberFact[] {
  switch (event.type) {
    case 'memberJoined':
      return (event.members ?? []).map((userId) => ({
        userId,
        at: event.at,
        kind: 'present',
        source: 'memberJoined',
      }));
    case 'memberLeft':
      return (event.members ?? []).map((userId) => ({
        userId,
        at: event.at,
        kind: 'absent',
        source: 'memberLeft',
      }));
    case 'message':
    case 'postback':
      return event.userId
        ? [{ userId: event.userId, at: japanDayStart(event.at), kind: 'present', source: event.type }]
        : [];
    default:
      return [];
  }
}
