/**
 * Audiences and narrowcasts on the emulated platform, as manage-audience.yml, messaging-api.yml
 * and LINE's reference describe them, with LINE's hours shrunk to seconds for local use.
 */
export interface AudienceOptions {
  /** IN_PROGRESS -> READY after this long (LINE: "may take several hours"); AUDIENCE_READY_SECONDS, 5 locally. */
  readySeconds?: number;
  /** How long a narrowcast stays in each of `waiting` and `sending` before `succeeded`. */
  narrowcastPhaseMs?: number;
  /** LINE's narrowcast limit: 60 requests an hour (a test may shorten the hour). */
  narrowcastsPerWindow?: number;
  narrowcastWindowMs?: number;
  /** LINE's limit on creating or adding to audiences: 60 requests a minute. */
  uploadsPerMinute?: number;
}

export type AudienceType = 'UPLOAD' | 'CHAT_TAG';
export type AudienceStatus = 'IN_PROGRESS' | 'READY' | 'EXPIRED';

export interface EmulatedAudience {
  audienceGroupId: number;
  description: string;
  type: AudienceType;
  /** MESSAGING_API for uploads; OA_MANAGER for chat tags (made by hand in OA Manager). */
  createRoute: 'MESSAGING_API' | 'OA_MANAGER';
  /** UNIX seconds, as LINE gives them. */
  created: number;
  readyAt: number;
  userIds: Set<string>;
  jobs: { audienceGroupJobId: number; description: string; audienceCount: number; created: number }[];
}

export interface EmulatedNarrowcast {
  requestId: string;
  audienceGroupId: number;
  retryKey?: string;
  acceptedAt: number;
  /** The friends in the audience it goes to (blocked users and non-friends are skipped). */
  recipients: string[];
  messages: Record<string, unknown>[];
}

export type NarrowcastPhase = 'waiting' | 'sending' | 'succeeded';

/** LINE keeps an audience 180 days and at most 1,000 per channel. */
export const AUDIENCE_LIFETIME_SECONDS = 180 * 86_400;
export const MAX_AUDIENCES = 1000;

export class Audiences {
  readonly byId = new Map<number, EmulatedAudience>();
  readonly narrowcasts = new Map<string, EmulatedNarrowcast>();
  /** When each recent narrowcast and upload was asked for (ms), for LINE's rate limits. */
  readonly narrowcastTimes: number[] = [];
  readonly uploadTimes: number[] = [];
  private lastId = 0;
  private lastJobId = 0;

  constructor(readonly options: AudienceOptions = {}) {}

  /** A fresh, increasing id the size of LINE's (13 to 15 digits, safe as a JSON number). */
  nextId(): number {
    this.lastId = Math.max(this.lastId + 1, Date.now() * 100);
    return this.lastId;
  }

  nextJobId(): number {
    return ++this.lastJobId;
  }

  create(
    fields: Pick<EmulatedAudience, 'description' | 'type' | 'createRoute'>,
    userIds: string[],
    readyNow = false,
  ): EmulatedAudience {
    const now = Date.now();
    const audience: EmulatedAudience = {
      ...fields,
      audienceGroupId: this.nextId(),
      created: Math.floor(now / 1000),
      readyAt: readyNow ? now : now + (this.options.readySeconds ?? 5) * 1000,
      userIds: new Set(userIds),
      jobs: [],
    };
    this.byId.set(audience.audienceGroupId, audience);
    return audience;
  }

  status(audience: EmulatedAudience, now = Date.now()): AudienceStatus {
    if (now / 1000 >= audience.created + AUDIENCE_LIFETIME_SECONDS) return 'EXPIRED';
    return now >= audience.readyAt ? 'READY' : 'IN_PROGRESS';
  }

  /** The phase of a narrowcast now: each phase lasts `narrowcastPhaseMs` (1 s unless given). */
  phase(narrowcast: EmulatedNarrowcast, now = Date.now()): NarrowcastPhase {
    const step = this.options.narrowcastPhaseMs ?? 1000;
    const elapsed = now - narrowcast.acceptedAt;
    return elapsed < step ? 'waiting' : elapsed < 2 * step ? 'sending' : 'succeeded';
  }

  /** Counts one request against a limit of `max` per `windowMs`; false when over it (429). */
  static allow(times: number[], max: number, windowMs: number, now = Date.now()): boolean {
    while (times.length > 0 && (times[0] ?? now) <= now - windowMs) times.shift();
    if (times.length >= max) return false;
    times.push(now);
    return true;
  }

  reset(): void {
    this.byId.clear();
    this.narrowcasts.clear();
    this.narrowcastTimes.length = 0;
    this.uploadTimes.length = 0;
  }
}
