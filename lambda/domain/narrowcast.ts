import { createHash } from 'node:crypto';
import type { Message } from './messages';
import { renderFriendCard, renderMemberWelcome, type Templates } from './templates';

/**
 * A narrowcast campaign: one request to LINE for a whole audience, then LINE's own progress.
 *
 *   waiting_for_audience ──▶ sending ──▶ succeeded     LINE's counts stored
 *        │  ▲ (IN_PROGRESS,     │  ▲ │
 *        │  │  checked with     │  │ └──▶ failed       LINE's failedDescription, or the audience
 *        │  │  back-off)        │  │                   never became READY within the timeout
 *        └──┴───────────────────┘  └ 429 / 60 an hour: the same request again later (same retry key)
 *
 * `sending` without a requestId: the request is owed (or was sent and its answer lost: the retry
 * key makes LINE answer 409 with the first request's id, so it is never sent twice).
 */
export type NarrowcastStatus = 'waiting_for_audience' | 'sending' | 'succeeded' | 'failed';

export interface NarrowcastCampaign {
  campaignId: string;
  kind: 'narrowcast';
  audienceGroupId: number;
  couponId?: string;
  /** The template it sends (`--message`), if not a coupon alone. */
  template?: string;
  messages: Message[];
  createdAt: string;
  status: NarrowcastStatus;
  /** X-Line-Retry-Key, stored before the request is sent. */
  retryKey: string;
  /** LINE's X-Line-Request-Id (or x-line-accepted-request-id on 409): what its progress is read by. */
  requestId?: string;
  /** When the request was first owed (status became `sending`). */
  sendingSince?: string;
  waitingSince: string;
  /** When the follower next looks (the audience, the request, the progress). */
  nextCheckAt: string;
  /** Checks since the last change of status: the back-off's exponent. */
  checks: number;
  targetCount?: number;
  successCount?: number;
  failureCount?: number;
  /** Why it failed, or what it waits for (LINE's words). */
  reason?: string;
  completedAt?: string;
}

export type NarrowcastUpdate = Partial<Omit<NarrowcastCampaign, 'campaignId' | 'kind'>>;

export const isFinished = (status: NarrowcastStatus) => status === 'succeeded' || status === 'failed';

/** `campaign -- status <id> --json` for a narrowcast (the keys; null until LINE says). */
export function narrowcastStatusView(c: NarrowcastCampaign) {
  return {
    campaignId: c.campaignId,
    kind: c.kind,
    status: c.status,
    requestId: c.requestId ?? null,
    targetCount: c.targetCount ?? null,
    successCount: c.successCount ?? null,
    failureCount: c.failureCount ?? null,
    // Beyond the keys only when there is something to explain (a failure, a wait).
    ...(c.reason !== undefined && { reason: c.reason }),
  };
}

/** AUDIENCE_READY_TIMEOUT_HOURS (default 24): how long a narrowcast waits for its audience to be READY. */
export function audienceReadyTimeoutMs(env: Record<string, string | undefined>): number {
  const hours = Number(env.AUDIENCE_READY_TIMEOUT_HOURS || 24);
  if (!(hours > 0)) throw new Error('AUDIENCE_READY_TIMEOUT_HOURS must be a number of hours above 0');
  return hours * 3_600_000;
}

/** How long to wait before the next check: doubling from `firstMs`, at most `maxMs`. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
}

/** An audience on LINE can take hours; locally seconds. A narrowcast's progress, minutes. */
export const AUDIENCE_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 15 * 60_000 };
export const PROGRESS_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 5 * 60_000 };
/** LINE allows 60 narrowcasts an hour: a 429 without Retry-After waits a minute, then longer. */
export const RATE_LIMIT_BACKOFF: Backoff = { firstMs: 60_000, maxMs: 15 * 60_000 };

export const backoffMs = (checks: number, b: Backoff) =>
  Math.min(b.maxMs, b.firstMs * 2 ** Math.max(0, checks));

/**
 * The X-Line-Retry-Key of a narrowcast campaign: derived from its id, so every run and follower
 * uses the same key and LINE accepts the narrowcast once. Shaped as a version-4 UUID.
 */
export function narrowcastRetryKey(campaignId: string): string {
  const h = createHash('sha256').update(`narrowcast/${campaignId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.charAt(16), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id a start gets unless given: the same audience and messages resume the same campaign. */
export const defaultNarrowcastId = (audienceGroupId: number, messages: Message[]) =>
  `narrowcast-${audienceGroupId}-${createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 8)}`;

/** The templates a narrowcast may send by name (`--message <name>`). */
export const NARROWCAST_TEMPLATES = ['friendCard', 'memberWelcome', 'couponText', 'welcomeText'] as const;

/** The messages of a narrowcast: the named template (if any), then the coupon (if any). */
export function narrowcastMessages(
  templates: Templates,
  options: { couponId?: string; template?: string },
): Message[] {
  const messages: Message[] = [];
  switch (options.template) {
    case undefined:
      break;
    case 'friendCard':
      messages.push(renderFriendCard(templates));
      break;
    case 'memberWelcome': {
      const welcome = renderMemberWelcome(templates);
      if (!welcome) throw new Error('the memberWelcome template is off (null): set it first');
      messages.push(welcome);
      break;
    }
    case 'couponText':
    case 'welcomeText': {
      const text = templates[options.template];
      if (text) messages.push({ type: 'text', text });
      break;
    }
    default:
      throw new Error(
        `no template "${options.template}": one of ${NARROWCAST_TEMPLATES.join(', ')} (npm run coupons -- templates)`,
      );
  }
  if (options.couponId) messages.push({ type: 'coupon', couponId: options.couponId });
  if (messages.length === 0) throw new Error('a narrowcast needs --coupon or --message');
  return messages;
}
