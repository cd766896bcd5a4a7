/**
 * LINE's rules for message objects (messaging-api.yml: Message and its subtypes; LINE's documented
 * limits). The bot checks every outgoing request with them before sending, and the local LINE
 * emulator refuses with them, answering as LINE does.
 */
export const MAX_MESSAGES_PER_REQUEST = 5;
export const MAX_TEXT_LENGTH = 5000;
export const MAX_ALT_TEXT_LENGTH = 1500;
export const MAX_CAROUSEL_BUBBLES = 12;
/** LINE: a bubble's JSON at most 30 KB; a whole Flex message at most 50 KB. */
export const MAX_BUBBLE_BYTES = 30_000;
export const MAX_FLEX_BYTES = 50_000;

export type Message = Record<string, unknown> & { type: string };

export interface ErrorDetail {
  message: string;
  property: string;
}

/** An outgoing message breaks LINE's rules; `details` names each field as LINE would. */
export class InvalidMessageError extends Error {
  constructor(
    readonly details: ErrorDetail[],
    where = 'messages',
  ) {
    super(`invalid ${where}: ${details.map((d) => `${d.property}: ${d.message}`).join('; ')}`);
    this.name = 'InvalidMessageError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

function flexErrors(message: Json, at: (field: string) => string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (typeof message.altText !== 'string' || message.altText.length === 0) {
    details.push({ message: 'May not be empty', property: at('altText') });
  } else if (message.altText.length > MAX_ALT_TEXT_LENGTH) {
    details.push({ message: `Length must be between 0 and ${MAX_ALT_TEXT_LENGTH}`, property: at('altText') });
  }
  const contents = message.contents;
  if (!isObject(contents) || !['bubble', 'carousel'].includes(contents.type as string)) {
    details.push({
      message: 'Must be one of the following values: [bubble, carousel]',
      property: at('contents.type'),
    });
    return details;
  }
  const bubbles = contents.type === 'carousel' ? contents.contents : [contents];
  if (!Array.isArray(bubbles) || bubbles.length === 0 || bubbles.length > MAX_CAROUSEL_BUBBLES) {
    details.push({
      message: `Size must be between 1 and ${MAX_CAROUSEL_BUBBLES}`,
      property: at('contents.contents'),
    });
  } else {
    bubbles.forEach((bubble: unknown, j) => {
      const where = contents.type === 'carousel' ? `contents.contents[${j}]` : 'contents';
      if (!isObject(bubble) || bubble.type !== 'bubble')
        details.push({ message: 'Must be a bubble', property: at(`${where}.type`) });
      else if (bytes(bubble) > MAX_BUBBLE_BYTES)
        details.push({ message: 'A bubble may be at most 30 KB', property: at(where) });
    });
  }
  if (bytes(message) > MAX_FLEX_BYTES)
    details.push({ message: 'A Flex message may be at most 50 KB', property: at('') });
  return details;
}

/**
 * Text message v2: every `{key}` in the text has a substitution (a mention of a user or of all,
 * or an emoji), keys are 1-20 letters, digits or underscores, as LINE documents.
 */
function textV2Errors(message: Json, at: (field: string) => string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (typeof message.text !== 'string' || message.text.length === 0) {
    return [{ message: 'May not be empty', property: at('text') }];
  }
  if ([...message.text].length > MAX_TEXT_LENGTH)
    details.push({ message: `Length must be between 0 and ${MAX_TEXT_LENGTH}`, property: at('text') });
  const substitution = message.substitution === undefined ? {} : message.substitution;
  if (!isObject(substitution))
    return [...details, { message: 'Must be an object', property: at('substitution') }];
  for (const [, key = ''] of message.text.matchAll(/\{([^{}]*)\}/g)) {
    if (!(key in substitution))
      details.push({ message: `No substitution for {${key}}`, property: at('text') });
  }
  for (const [key, value] of Object.entries(substitution)) {
    const where = at(`substitution.${key}`);
    if (!/^[a-zA-Z0-9_]{1,20}$/.test(key))
      details.push({ message: 'Key must be 1-20 letters, digits or _', property: where });
    if (!isObject(value)) {
      details.push({ message: 'Must be an object', property: where });
    } else if (value.type === 'mention') {
      const m = value.mentionee;
      const ok =
        isObject(m) &&
        (m.type === 'all' || (m.type === 'user' && typeof m.userId === 'string' && m.userId !== ''));
      if (!ok)
        details.push({ message: 'Must mention a user (userId) or all', property: `${where}.mentionee` });
    } else if (value.type === 'emoji') {
      if (typeof value.productId !== 'string' || typeof value.emojiId !== 'string')
        details.push({ message: 'An emoji needs productId and emojiId', property: where });
    } else {
      details.push({
        message: 'Must be one of the following values: [mention, emoji]',
        property: `${where}.type`,
      });
    }
  }
  return details;
}

/** Every way `messages` breaks LINE's rules; empty when LINE would accept it. */
export function messageErrors(
  messages: unknown,
  couponIsAvailable: (couponId: string) => boolean = () => true,
): ErrorDetail[] {
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES_PER_REQUEST) {
    return [{ message: `Size must be between 1 and ${MAX_MESSAGES_PER_REQUEST}`, property: 'messages' }];
  }
  const details: ErrorDetail[] = [];
  messages.forEach((message: unknown, i) => {
    const at = (field: string) => `messages[${i}]${field ? `.${field}` : ''}`;
    if (!isObject(message)) return details.push({ message: 'Must be an object', property: at('') });
    switch (message.type) {
      case 'text':
        if (typeof message.text !== 'string' || message.text.length === 0) {
          details.push({ message: 'May not be empty', property: at('text') });
        } else if ([...message.text].length > MAX_TEXT_LENGTH) {
          details.push({ message: `Length must be between 0 and ${MAX_TEXT_LENGTH}`, property: at('text') });
        }
        break;
      case 'textV2':
        details.push(...textV2Errors(message, at));
        break;
      case 'flex':
        details.push(...flexErrors(message, at));
        break;
      case 'coupon':
        if (typeof message.couponId !== 'string' || message.couponId.length === 0) {
          details.push({ message: 'May not be empty', property: at('couponId') });
        } else if (!couponIsAvailable(message.couponId)) {
          details.push({
            message: 'The coupon does not exist or is not available',
            property: at('couponId'),
          });
        }
        break;
      case 'sticker':
      case 'image':
      case 'video':
      case 'audio':
      case 'location':
      case 'imagemap':
      case 'template':
        break;
      default:
        details.push({ message: 'Invalid message type', property: at('type') });
    }
  });
  return details;
}

/** Throws InvalidMessageError unless LINE would accept `messages`. */
export function assertValidMessages(messages: Message[], where?: string): void {
  const details = messageErrors(messages);
  if (details.length > 0) throw new InvalidMessageError(details, where);
}
