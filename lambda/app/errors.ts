/** Some events of a save were already recorded: they took effect before (a redelivery). */
export class DuplicateEventsError extends Error {
  constructor(readonly webhookEventIds: string[]) {
    super(`events already recorded: ${webhookEventIds.join(', ')}`);
    this.name = 'DuplicateEventsError';
  }
}

/** The chat changed between load and save (another webhook for the same chat); load again. */
export class ConcurrentUpdateError extends Error {
  constructor(readonly groupId: string) {
    super(`group ${groupId} changed concurrently`);
    this.name = 'ConcurrentUpdateError';
  }
}

/** Only the chat's reach changed since it was read (its members and friendships did not). */
export class ReachChangedError extends ConcurrentUpdateError {
  constructor(groupId: string) {
    super(groupId);
    this.name = 'ReachChangedError';
  }
}

/** LINE answered 403/404 for a chat: the OA is not (or no longer) a member. */
export class NotAMemberError extends Error {
  constructor(
    readonly groupId: string,
    readonly httpStatus: number,
  ) {
    super(`LINE answered ${httpStatus}: not a member of ${groupId}`);
    this.name = 'NotAMemberError';
  }
}

/**
 * What LINE's 429 means; only its message tells them apart:
 * - `rate_limit`: too many requests a second ("The API rate limit has been exceeded. Try again
 *   later.", or any 429 with Retry-After): wait, then the same request succeeds;
 * - `monthly_limit`: "You have reached your monthly limit.": nothing succeeds until the month
 *   turns or the plan changes, so retrying only spends requests;
 * - `other`: e.g. quota held by a narrowcast in progress: retried a bounded number of times.
 */
export type TooManyRequests = 'rate_limit' | 'monthly_limit' | 'other';

const MONTHLY_LIMIT = /reached your monthly limit/i;
const RATE_LIMIT = /rate limit/i;
/** LINE's 403 for a channel whose plan lacks the API: not about the chat. */
const API_NOT_AVAILABLE = /not available for your account/i;

/** LINE refused a request; what a caller needs to decide whether and when to try again. */
export class LineApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    /** On 409 to a push with X-Line-Retry-Key: LINE accepted that key before. */
    readonly acceptedRequestId?: string,
    /** LINE's own `message`, which is what tells its 429s apart. */
    readonly lineMessage?: string,
  ) {
    super(message);
    this.name = 'LineApiError';
  }

  get tooManyRequests(): TooManyRequests | undefined {
    if (this.status !== 429) return undefined;
    const said = this.lineMessage ?? this.message;
    if (MONTHLY_LIMIT.test(said)) return 'monthly_limit';
    if (RATE_LIMIT.test(said) || this.retryAfterSeconds !== undefined) return 'rate_limit';
    return 'other';
  }

  /** Worth retrying with the same request (and the same retry key); never the monthly limit. */
  get isTransient(): boolean {
    if (this.status === 429) return this.tooManyRequests !== 'monthly_limit';
    return this.status >= 500;
  }

  /** A push to a chat the OA is no longer in (it left, or was removed, after the plan). */
  get isNotAMember(): boolean {
    if (this.status === 404) return true;
    return this.status === 403 && !API_NOT_AVAILABLE.test(this.lineMessage ?? this.message);
  }
}

/** LINE offers this API to verified and premium accounts only (403): work without it. */
export class NotAvailableError extends Error {
  constructor(readonly what: string) {
    super(`LINE answered 403 to ${what}: verified and premium accounts only`);
    this.name = 'NotAvailableError';
  }
}
