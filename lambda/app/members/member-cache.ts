import type { StoredMember } from '../ports';

/**
 * Members as this process last wrote or read them, so a member's second message of a day costs no
 * read and no write (a routine message costs what it did before members). Least recently used
 * ones are dropped past `capacity`; a stale entry only costs a refused conditional write and a
 * read again, never a wrong result.
 */
export class MemberCache {
  private readonly entries = new Map<string, StoredMember>();

  constructor(private readonly capacity = 50_000) {}

  private static key(groupId: string, userId: string) {
    return `${groupId}/${userId}`;
  }

  get(groupId: string, userId: string): StoredMember | undefined {
    const key = MemberCache.key(groupId, userId);
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(entry: StoredMember): void {
    const key = MemberCache.key(entry.member.groupId, entry.member.userId);
    this.entries.delete(key);
    this.entries.set(key, entry);
    const oldest = this.entries.keys().next();
    if (this.entries.size > this.capacity && !oldest.done) this.entries.delete(oldest.value);
  }

  forget(groupId: string, userId: string): void {
    this.entries.delete(MemberCache.key(groupId, userId));
  }

  forgetUser(userId: string): void {
    for (const key of this.entries.keys()) if (key.endsWith(`/${userId}`)) this.entries.delete(key);
  }
}
