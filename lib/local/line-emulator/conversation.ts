import type { SentMessage } from './state';

/** A text on one console line, so every line of the conversation starts with its chat. */
const oneLine = (text: unknown) => String(text).replaceAll('\n', ' ↵ ');

/** One message object as a person would read it in the chat. */
export function describeMessage(message: Record<string, unknown>): string {
  switch (message.type) {
    case 'text':
      return oneLine(message.text);
    case 'textV2': {
      // Substitutions as the chat shows them; a mentioned member by no id (nothing personal printed).
      const substitution = (message.substitution ?? {}) as Record<
        string,
        { type?: string; mentionee?: { type?: string } }
      >;
      return oneLine(
        String(message.text).replace(/\{([^{}]*)\}/g, (whole, key: string) => {
          const s = substitution[key];
          if (s?.type !== 'mention') return whole;
          return s.mentionee?.type === 'all' ? '@All' : '@member';
        }),
      );
    }
    case 'coupon':
      return `[coupon ${String(message.couponId)}]`;
    case 'flex':
      return `[card] ${String(message.altText)}`;
    default:
      return `[${String(message.type)}]`;
  }
}

/** A user's own chat with the OA, named without their user ID (the console is a log too). */
const ONE_TO_ONE = 'a 1:1 chat';

/** What the emulator prints for each message it accepted: a readable conversation per chat. */
export function conversationLines(sent: SentMessage, chatName?: string): string[] {
  const to = sent.to.startsWith('U') ? ONE_TO_ONE : sent.to;
  const where = chatName ? `${chatName} (${to})` : to;
  return sent.messages.map((m) => `  [${where}] bot (${sent.via}): ${describeMessage(m)}`);
}

/** One webhook event as a line of the conversation: what a member did or said. */
export function describeEvent(event: Record<string, unknown>): string {
  const source = (event.source ?? {}) as Record<string, string | undefined>;
  const chat = source.groupId ?? source.roomId ?? (source.type === 'user' ? ONE_TO_ONE : '?');
  const redelivery = (event.deliveryContext as { isRedelivery?: boolean } | undefined)?.isRedelivery
    ? ' (redelivery)'
    : '';
  const what = (() => {
    switch (event.type) {
      case 'message': {
        const message = event.message as { type?: string; text?: string } | undefined;
        return `member: ${message?.type === 'text' ? oneLine(message.text) : `[${message?.type}]`}`;
      }
      case 'postback':
        return `member tapped: ${(event.postback as { data?: string } | undefined)?.data}`;
      case 'join':
        return 'the OA was invited in';
      case 'leave':
        return 'the OA left (or was removed)';
      case 'memberJoined':
      case 'memberLeft':
        return `${event.type}`;
      case 'follow':
        return (event.follow as { isUnblocked?: boolean } | undefined)?.isUnblocked
          ? 'a user unblocked the OA'
          : 'a user added the OA as a friend';
      case 'unfollow':
        return 'a user blocked the OA';
      default:
        return `${String(event.type)} event`;
    }
  })();
  return `  [${chat}] ${what}${redelivery}`;
}
