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
