import { Lru } from './lru';
import type { StoredGroup } from './ports';

/**
 * Chats as this process last saved them, so a chat whose messages all take the full path (inside
 * the ejection window just after a join) is not read again for each. Only a first attempt uses
 * it: every save is conditioned on the version kept here, so a stale entry costs a refused write
 * and a read, never a wrong result.
 */
export class ChatCache {
  private readonly chats: Lru<StoredGroup>;

  constructor(capacity = 10_000) {
    this.chats = new Lru(capacity);
  }

  get(groupId: string): StoredGroup | undefined {
    return this.chats.get(groupId);
  }

  set(stored: StoredGroup): void {
    this.chats.set(stored.group.groupId, stored);
  }

  forget(groupId: string): void {
    this.chats.delete(groupId);
  }
}
