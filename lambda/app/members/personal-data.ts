import type { Friendship } from '../../domain/friendships';
import type { Member } from '../../domain/members';
import type { FriendshipStore, InboxItem, MemberStore } from '../ports';
import { recountReach } from './chat-reach';

/**
 * One kind of personal data the product keeps about a person, found by their user id without a
 * Scan of anything large, so a deletion request is cheap and complete. Members and friendships are
 * one holder each; each capability that keeps people (attendance, audiences) adds its own.
 */
export interface PersonalDataHolder {
  /** The name it is listed under (`members forget` prints it). */
  name: string;
  /** Everything it keeps about the person (an access request). */
  export(userId: string): Promise<unknown[]>;
  /** Deletes it all; how many records were deleted. */
  forget(userId: string): Promise<number>;
}

/** The inbox's events still naming the person (it keeps a day of events, and dead letters longer). */
export interface InboxPeople {
  itemsNaming(userId: string): Promise<InboxItem[]>;
  /** Removes the person from those items' events; how many items changed. */
  scrub(userId: string): Promise<number>;
}

export interface PersonalDataDeps {
  members: MemberStore;
  friendships: FriendshipStore;
  inbox: InboxPeople;
  /** Further holders (attendance, audiences' local copies). */
  holders?: PersonalDataHolder[];
  /** Drops what the process keeps in memory about the person. */
  forgetCached?(userId: string): void;
}

/** The person's memberships, then each chat's reach recounted without them. */
export function membersHolder(deps: Pick<PersonalDataDeps, 'members'>): PersonalDataHolder {
  return {
    name: 'members',
    async export(userId) {
      const chats = await deps.members.chatsOf(userId);
      const found = await deps.members.getMany(chats.map((groupId) => ({ groupId, userId })));
      return found.map((m): Member => m.member);
    },
    async forget(userId) {
      const chats = await deps.members.chatsOf(userId);
      for (const groupId of chats) {
        await deps.members.delete({ groupId, userId });
        await recountReach(groupId, deps);
      }
      return chats.length;
    },
  };
}

export function friendshipsHolder(deps: Pick<PersonalDataDeps, 'friendships'>): PersonalDataHolder {
  return {
    name: 'friendships',
    async export(userId) {
      return (await deps.friendships.getMany([userId])).map((f): Friendship => f.friendship);
    },
    async forget(userId) {
      const found = await deps.friendships.getMany([userId]);
      if (found.length > 0) await deps.friendships.delete(userId);
      return found.length;
    },
  };
}

export function inboxHolder(deps: Pick<PersonalDataDeps, 'inbox'>): PersonalDataHolder {
  return {
    name: 'inbox',
    export: (userId) => deps.inbox.itemsNaming(userId),
    forget: (userId) => deps.inbox.scrub(userId),
  };
}

const holdersOf = (deps: PersonalDataDeps) => [
  membersHolder(deps),
  friendshipsHolder(deps),
  inboxHolder(deps),
  ...(deps.holders ?? []),
];

/** `members export <userId>`: everything held about the person, by holder. */
export async function exportPerson(
  userId: string,
  deps: PersonalDataDeps,
): Promise<Record<string, unknown[]>> {
  const held: Record<string, unknown[]> = {};
  for (const holder of holdersOf(deps)) held[holder.name] = await holder.export(userId);
  return held;
}

/** `members forget <userId>`: the answer to a deletion request; how many records each holder deleted. */
export async function forgetPerson(userId: string, deps: PersonalDataDeps): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const holder of holdersOf(deps)) deleted[holder.name] = await holder.forget(userId);
  deps.forgetCached?.(userId);
  return deleted;
}
