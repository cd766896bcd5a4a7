import type { ChatType } from './group';

/** What LINE told us happened in a chat, reduced to what the registry needs. */
export type ActivityType = 'message' | 'postback' | 'memberJoined' | 'memberLeft';

/**
 * `standby`: another channel holds the chat (LINE's module channels); the event is recorded but
 * never answered, and LINE sends it without a reply token.
 */
export type EventMode = 'active' | 'standby';

export interface ChatEventBase {
  webhookEventId: string;
  groupId: string;
  chatType: ChatType;
  /** ISO-8601 UTC of the event's `timestamp`. */
  at: string;
  mode: EventMode;
  isRedelivery: boolean;
}

export type ChatEvent =
  | (ChatEventBase & { type: 'join'; replyToken?: string })
  | (ChatEventBase & { type: 'leave' })
  | (ChatEventBase & {
      type: ActivityType;
      replyToken?: string;
      /** A text message's text, kept only while processing may need it (kept-text.ts). */
      text?: string;
      /**
       * Who sent a message or postback: LINE gives it only for users of its phone apps who
       * consented, so it may be missing (never fail on that).
       */
      userId?: string;
      /** Who joined or left (memberJoined, memberLeft). */
      members?: string[];
      /** The message mentions the OA itself (`mention.mentionees[].isSelf`). */
      mentionsSelf?: boolean;
    });

/** A user's friendship with the OA changed (1:1 chat events: `source.type: user`). */
export interface FriendshipEvent {
  type: 'follow' | 'unfollow';
  webhookEventId: string;
  userId: string;
  at: string;
  mode: EventMode;
  isRedelivery: boolean;
  /** A follow that undoes a block. */
  isUnblocked?: boolean;
}

/** What the webhook stores for the processor: chat events, and friendship events of 1:1 chats. */
export type InboxEvent = ChatEvent | FriendshipEvent;

export const isFriendshipEvent = (event: InboxEvent): event is FriendshipEvent =>
  event.type === 'follow' || event.type === 'unfollow';

/** The chat an event belongs to: a group or room, or the 1:1 chat with a user (its userId). */
export const chatOf = (event: InboxEvent): string =>
  isFriendshipEvent(event) ? event.userId : event.groupId;

/** Things we learnt from LINE's API rather than from a webhook. */
export type Observation =
  | { type: 'summary'; at: string; groupName: string; pictureUrl?: string }
  | { type: 'memberCount'; at: string; memberCount: number }
  | { type: 'notMember'; at: string };
