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

/** LINE refused a request; what a caller needs to decide whether and when to try again. */
export class LineApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    /** On 409 to a push with X-Line-Retry-Key: LINE accepted that key before. */
    readonly acceptedRequestId?: string,
  ) {
    super(message);
    this.name = 'LineApiError';
  }

  /** Worth retrying with the same request (and the same retry key). */
  get isTransient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}
