import type { SentMessage } from './state';

/** One message object as a person would read it in the chat. */
export function describeMessage(message: Record<string, unknown>): string {
  switch (message.type) {
    case 'text':
      return String(message.text);
    case 'coupon':
      return `[coupon ${String(message.couponId)}]`;
    case 'flex':
      return `[card] ${String(message.altText)}`;
    default:
      return `[${String(message.type)}]`;
  }
}

/** What the emulator prints for each message it accepted: a readable conversation per chat. */
export function conversationLines(sent: SentMessage, chatName?: string): string[] {
  const where = chatName ? `${chatName} (${sent.to})` : sent.to;
  return sent.messages.map((m) => `  [${where}] bot (${sent.via}): ${describeMessage(m)}`);
}
