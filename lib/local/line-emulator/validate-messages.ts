/** LINE's limits on message objects (messaging-api.yml: Message and its subtypes). */
export const MAX_MESSAGES_PER_REQUEST = 5;
export const MAX_TEXT_LENGTH = 5000;
export const MAX_ALT_TEXT_LENGTH = 1500;

export interface ErrorDetail {
  message: string;
  property: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The same checks LINE makes on `messages`, reported the way LINE reports them. */
export function validateMessages(
  messages: unknown,
  knownCoupon: (couponId: string) => boolean,
): ErrorDetail[] {
  if (!Array.isArray(messages) || messages.length === 0)
    return [{ message: 'Size must be between 1 and 5', property: 'messages' }];
  if (messages.length > MAX_MESSAGES_PER_REQUEST) {
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
        } else if (message.text.length > MAX_TEXT_LENGTH) {
          details.push({ message: `Length must be between 0 and ${MAX_TEXT_LENGTH}`, property: at('text') });
        }
        break;
      case 'flex':
        if (typeof message.altText !== 'string' || message.altText.length === 0) {
          details.push({ message: 'May not be empty', property: at('altText') });
        } else if (message.altText.length > MAX_ALT_TEXT_LENGTH) {
          details.push({
            message: `Length must be between 0 and ${MAX_ALT_TEXT_LENGTH}`,
            property: at('altText'),
          });
        }
        if (
          !isObject(message.contents) ||
          !['bubble', 'carousel'].includes(message.contents.type as string)
        ) {
          details.push({
            message: 'Must be one of the following values: [bubble, carousel]',
            property: at('contents.type'),
          });
        }
        break;
      case 'coupon':
        if (typeof message.couponId !== 'string' || message.couponId.length === 0) {
          details.push({ message: 'May not be empty', property: at('couponId') });
        } else if (!knownCoupon(message.couponId)) {
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
