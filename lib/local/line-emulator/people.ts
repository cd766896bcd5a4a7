import { createHash } from 'node:crypto';

/** A LINE user as the emulated platform knows them. */
export interface EmulatedPerson {
  userId: string;
  displayName: string;
  pictureUrl?: string;
  /** Has the OA as a friend now (the profile API answers only then). */
  friend: boolean;
  /** Was a friend and blocked the OA (LINE's unfollow): a follow now is an unblock. */
  blocked: boolean;
}

/** What the control API may say about a person; `pictureUrl: null` means they have none. */
export interface ProfileChange {
  displayName?: string;
  pictureUrl?: string | null;
}

interface PersonRecord {
  displayName?: string;
  pictureUrl?: string | null;
  friend: boolean;
  blocked: boolean;
}

/**
 * People on the emulated platform: friendships with the OA, and who is in which chat. Someone it
 * never heard of has a stable made-up name and picture, is nobody's friend, and counts as in any
 * chat until they leave it, so anything can be tried without setting people up first.
 */
export class People {
  /** By userId, in the order first heard of (the order followers are listed in). */
  private readonly records = new Map<string, PersonRecord>();
  /** Per chat: who joined (in join order) and who left. */
  private readonly rosters = new Map<string, Map<string, 'present' | 'left'>>();

  person(userId: string): EmulatedPerson {
    const record = this.records.get(userId);
    const pictureUrl =
      record?.pictureUrl === undefined
        ? `https://profile.line-scdn.net/emulator/${createHash('sha256').update(userId).digest('hex').slice(0, 24)}`
        : record.pictureUrl;
    return {
      userId,
      displayName: record?.displayName ?? `User ${userId.slice(-4)}`,
      ...(pictureUrl !== null && { pictureUrl }),
      friend: record?.friend ?? false,
      blocked: record?.blocked ?? false,
    };
  }

  /** A friend now, or not; no longer a friend after being one is LINE's block. */
  setFriend(userId: string, friend: boolean, change: ProfileChange = {}): EmulatedPerson {
    const record = this.record(userId, change);
    if (friend !== record.friend) record.blocked = !friend;
    record.friend = friend;
    return this.person(userId);
  }

  /** `userId` is in the chat now; true when that is news (they were not listed as in it). */
  join(chatId: string, userId: string, change: ProfileChange = {}): boolean {
    this.record(userId, change);
    const roster = this.roster(chatId);
    const news = roster.get(userId) !== 'present';
    roster.set(userId, 'present');
    return news;
  }

  /** `userId` left the chat; true when that is news (they had not left already). */
  leave(chatId: string, userId: string): boolean {
    const roster = this.roster(chatId);
    const news = roster.get(userId) !== 'left';
    roster.set(userId, 'left');
    return news;
  }

  /** Only someone who left is not in the chat; the rest are, listed or not. */
  hasLeft(chatId: string, userId: string): boolean {
    return this.rosters.get(chatId)?.get(userId) === 'left';
  }

  /** The members who joined and have not left, in the order they joined. */
  members(chatId: string): string[] {
    return [...(this.rosters.get(chatId) ?? [])].filter(([, p]) => p === 'present').map(([id]) => id);
  }

  followers(): string[] {
    return [...this.records].filter(([, r]) => r.friend).map(([id]) => id);
  }

  reset(): void {
    this.records.clear();
    this.rosters.clear();
  }

  private record(userId: string, change: ProfileChange): PersonRecord {
    let record = this.records.get(userId);
    if (!record) {
      record = { friend: false, blocked: false };
      this.records.set(userId, record);
    }
    if (change.displayName !== undefined) record.displayName = change.displayName;
    if (change.pictureUrl !== undefined) record.pictureUrl = change.pictureUrl;
    return record;
  }

  private roster(chatId: string): Map<string, 'present' | 'left'> {
    let roster = this.rosters.get(chatId);
    if (!roster) {
      roster = new Map();
      this.rosters.set(chatId, roster);
    }
    return roster;
  }
}
