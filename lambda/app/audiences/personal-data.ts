import type { PersonalDataHolder } from '../members/personal-data';
import type { MemberStore } from '../ports';
import type { AudienceStore } from './ports';

/**
 * Audiences keep no user id here (LINE holds the uploaded ids), so there is nothing to delete.
 * An access request is still told which audiences their id may have gone to: those made from a
 * chat they are in, and those made by reach (which chats that took is not kept).
 */
export function audiencesHolder(deps: {
  store: Pick<AudienceStore, 'list'>;
  members: Pick<MemberStore, 'chatsOf'>;
}): PersonalDataHolder {
  return {
    name: 'audiences',
    async export(userId) {
      const [chats, audiences] = await Promise.all([deps.members.chatsOf(userId), deps.store.list()]);
      const inChat = new Set(chats);
      return audiences
        .filter((a) => !('groups' in a.source) || a.source.groups.some((g) => inChat.has(g)))
        .map((a) => ({
          audienceGroupId: a.audienceGroupId,
          description: a.description,
          createdAt: a.createdAt,
          held: 'by LINE: the user id may have been uploaded to this audience; nothing is kept here',
        }));
    },
    forget: () => Promise.resolve(0),
  };
}
