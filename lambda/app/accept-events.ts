import { chatOf, type InboxEvent } from '../domain/events';
import { textMatters, type WordsThatMatter } from '../domain/kept-text';
import type { Clock, Inbox, InboxItem, Telemetry } from './ports';

/** A webhook's chat events as inbox items: one per chat, events in the order LINE sent them. */
export function toInboxItems(events: InboxEvent[], receivedAt: Date): InboxItem[] {
  const at = receivedAt.toISOString();
  const byChat = new Map<string, InboxItem>();
  for (const event of events) {
    const chat = chatOf(event);
    const item = byChat.get(chat);
    if (item) item.events.push(event);
    else
      byChat.set(chat, {
        groupId: chat,
        inboxKey: `${at}#${event.webhookEventId}`,
        receivedAt: at,
        events: [event],
      });
  }
  return [...byChat.values()];
}

/** The event as stored: a message's text only if processing may read it. */
export function withoutUnneededText(event: InboxEvent, words: WordsThatMatter | undefined): InboxEvent {
  if (event.type !== 'message' || event.text === undefined || textMatters(event.text, words)) return event;
  const { text: _dropped, ...rest } = event;
  return rest;
}

/**
 * The webhook's whole job before it answers LINE: store the chat events durably (one write for
 * a one-chat webhook), keeping a member's text only where processing may need it. No LINE call
 * here, and no read but the operator's keywords (cached); the processor does the rest.
 */
export async function acceptChatEvents(
  events: InboxEvent[],
  deps: {
    inbox: Inbox;
    clock: Clock;
    telemetry: Telemetry;
    /** The words that make a text worth keeping; unknown (undefined) keeps every text. */
    words?: () => Promise<WordsThatMatter | undefined>;
  },
): Promise<void> {
  if (events.length === 0) return;
  const words = events.some((e) => e.type === 'message' && e.text !== undefined)
    ? await deps.words?.()
    : undefined;
  const kept = events.map((e) => withoutUnneededText(e, words));
  await deps.inbox.accept(toInboxItems(kept, deps.clock.now()));
  deps.telemetry.count('eventsAccepted', events.length);
}
