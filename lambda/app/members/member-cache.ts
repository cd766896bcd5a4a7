import type { ChatReach } from '../../domain/reach';
import { Lru } from '../lru';
import type { StoredFriendship, StoredMember } from '../ports';

/** A chat's reach as this process last wrote or read it, with its version. */
export interface CachedReach {
  reach: ChatReach;
  version: number;
}

/**
 * Members, chats' reach and friendships as this process last wrote or read them, so a member's
 * second message of a day costs no read and no write (a routine message costs what it did before
 * members), and a new member's friendship check reads nothing recording just read or wrote. Every
 * write they feed is conditioned on the version kept here: a stale entry only costs a refused
 * write and a read again (callers use the cache on a first attempt only), never a wrong result.
 */
export class MemberCache {
  private readonly members: Lru<StoredMember>;
  private readonly reaches: Lru<CachedReach>;
  /** `null`: the friendship was read and is not stored. */
  private readonly friendships: Lru<StoredFriendship | null>;

  constructor(capacity = 50_000) {
    this.members = new Lru(capacity);
    this.reaches = new Lru(capacity);
    this.friendships = new Lru(capacity);
  }

  private static key(groupId: string, userId: string) {
    return `${groupId}/${userId}`;
  }

  get(groupId: string, userId: string): StoredMember | undefined {
    return this.members.get(MemberCache.key(groupId, userId));
  }

  set(entry: StoredMember): void {
    this.members.set(MemberCache.key(entry.member.groupId, entry.member.userId), entry);
  }

  forget(groupId: string, userId: string): void {
    this.members.delete(MemberCache.key(groupId, userId));
  }

  reach(groupId: string): CachedReach | undefined {
    return this.reaches.get(groupId);
  }

  setReach(entry: CachedReach): void {
    this.reaches.set(entry.reach.groupId, entry);
  }

  forgetReach(groupId: string): void {
    this.reaches.delete(groupId);
  }

  /** `undefined`: not known here; `null`: read, and not stored. */
  friendship(userId: string): StoredFriendship | null | undefined {
    return this.friendships.get(userId);
  }

  setFriendship(userId: string, stored: StoredFriendship | null): void {
    this.friendships.set(userId, stored);
  }

  forgetFriendship(userId: string): void {
    this.friendships.delete(userId);
  }

  forgetUser(userId: string): void {
    this.members.deleteWhere((key) => key.endsWith(`/${userId}`));
    this.friendships.delete(userId);
  }
}
