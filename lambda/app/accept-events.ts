import type { ChatEvent } from '../domain/events';
import type { Clock, Inbox, InboxItem, Telemetry } from './ports';

/** A webhook's chat events as inbox items: one per chat, events in the order LINE sent them. */
export function toInboxItems(events: ChatEvent[], receivedAt: Date): InboxItem[] {
  const at = receivedAt.toISOString();
  const byChat = new Map<string, InboxItem>();
  for (const event of events) {
    const item = byChat.get(event.groupId);
    if (item) item.events.push(event);
    else
      byChat.set(event.groupId, {
        groupId: event.groupId,
        inboxKey: `${at}#${event.webhookEventId}`,
        receivedAt: at,
        events: [event],
      });
  }
  return [...byChat.values()];
}

/**
 * The webhook's whole job before it answers LINE: store the chat events durably (one write for
 * a one-chat webhook). No LINE call and no read happen here; the processor does the rest.
 */
export async function acceptChatEvents(
  events: ChatEvent[],
  deps: { inbox: Inbox; clock: Clock; telemetry: Telemetry },
): Promise<void> {
  if (events.length === 0) return;
  await deps.inbox.accept(toInboxItems(events, deps.clock.now()));
  deps.telemetry.count('eventsAccepted', events.length);
}
