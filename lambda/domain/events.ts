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
  | (ChatEventBase & { type: ActivityType; replyToken?: string; text?: string });

/** Things we learnt from LINE's API rather than from a webhook. */
export type Observation =
  | { type: 'summary'; at: string; groupName: string; pictureUrl?: string }
  | { type: 'memberCount'; at: string; memberCount: number }
  | { type: 'notMember'; at: string };
