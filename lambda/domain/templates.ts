import {
  type AttendanceCommands,
  attendanceCommandErrors,
  defaultAttendanceCommands,
} from './attendance/commands';
import { type ErrorDetail, InvalidMessageError, type Message, messageErrors } from './messages';

/**
 * What the bot says in groups. Operators change it without a deploy (settings table, `npm run
 * coupons -- templates --set file.json`); anything not set falls back to these Japanese defaults.
 */
export interface Templates {
  /** Words that ask for the group coupon (NFKC, case-insensitive, anywhere in the message). */
  keywords: string[];
  /** At most one keyword reply per group in this many seconds. */
  keywordCooldownSeconds: number;
  /**
   * A keyword counts only in a message that @mentions the OA itself, so ordinary conversation
   * never calls the bot; its reply then mentions the member who asked.
   */
  keywordsNeedMention: boolean;
  /** First message when the OA joins a group. */
  welcomeText: string;
  /** Added to the welcome only while a group coupon runs, so the bot never promises what it lacks. */
  couponHint: string;
  /** Sent with the coupon when a member asks for it. Empty: the coupon alone. */
  couponText: string;
  /** The OA's add-friend link (https://line.me/R/ti/p/@…): broadcasts only reach friends. */
  addFriendUrl: string;
  /** A Flex message; `{{addFriendUrl}}` anywhere in it is replaced by `addFriendUrl`. */
  friendCard: Message;
  /**
   * Answer to members who join later (a chance to make friends: broadcasts reach only friends);
   * `{{addFriendUrl}}` is replaced as in `friendCard`. `null` turns it off.
   */
  memberWelcome: Message | null;
  /** The words of the attendance commands, in chats where attendance is on (attendance/commands.ts). */
  attendanceCommands: AttendanceCommands;
}

export const defaultTemplates: Templates = {
  keywords: ['クーポン', 'coupon'],
  keywordCooldownSeconds: 600,
  keywordsNeedMention: false,
  welcomeText: 'グループに招待いただきありがとうございます！',
  couponHint: '「クーポン」と送ると、いつでもクーポンをお届けします。',
  couponText: 'クーポンをどうぞ！',
  addFriendUrl: 'https://line.me/R/ti/p/@line-groups',
  memberWelcome: null,
  attendanceCommands: defaultAttendanceCommands,
  friendCard: {
    type: 'flex',
    altText: '友だち追加でお得な情報をお届けします',
    contents: {
      type: 'bubble',
      body: {
        type: 'box',
        layout: 'vertical',
        spacing: 'md',
        contents: [
          { type: 'text', text: '友だち追加のお願い', weight: 'bold', size: 'lg' },
          {
            type: 'text',
            text: '友だち追加すると、新しいクーポンやお知らせを個別にお届けします。',
            wrap: true,
            size: 'sm',
            color: '#666666',
          },
        ],
      },
      footer: {
        type: 'box',
        layout: 'vertical',
        contents: [
          {
            type: 'button',
            style: 'primary',
            color: '#06C755',
            action: { type: 'uri', label: '友だち追加', uri: '{{addFriendUrl}}' },
          },
        ],
      },
    },
  },
};

// New members get the same card with a greeting of its own.
defaultTemplates.memberWelcome = JSON.parse(
  JSON.stringify(defaultTemplates.friendCard)
    .replace('友だち追加でお得な情報をお届けします', 'ようこそ！友だち追加でお得な情報をお届けします')
    .replace('友だち追加のお願い', 'ようこそ！'),
) as Message;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Defaults overlaid with the operator's settings, checked field by field. Throws
 * InvalidMessageError naming each bad field (`templates.friendCard.altText: May not be empty`).
 */
export function loadTemplates(overrides: unknown = {}): Templates {
  if (!isObject(overrides))
    throw new InvalidMessageError([{ property: 'templates', message: 'Must be an object' }], 'templates');
  const t = { ...defaultTemplates, ...overrides } as Templates;
  const details: ErrorDetail[] = [];
  const fail = (property: string, message: string) =>
    details.push({ property: `templates.${property}`, message });
  for (const key of Object.keys(overrides))
    if (!(key in defaultTemplates)) fail(key, 'Unknown template field');
  if (!Array.isArray(t.keywords) || t.keywords.some((k) => typeof k !== 'string' || k.trim() === '')) {
    fail('keywords', 'Must be a list of non-empty words');
  }
  if (typeof t.keywordsNeedMention !== 'boolean') fail('keywordsNeedMention', 'Must be true or false');
  if (typeof t.keywordCooldownSeconds !== 'number' || !(t.keywordCooldownSeconds >= 0)) {
    fail('keywordCooldownSeconds', 'Must be a number of seconds, 0 or more');
  }
  if (!/^https:\/\/\S+$/.test(String(t.addFriendUrl))) fail('addFriendUrl', 'Must be an https:// URL');
  const asText = (field: 'welcomeText' | 'couponHint' | 'couponText', allowEmpty: boolean) => {
    if (allowEmpty && t[field] === '') return;
    for (const d of messageErrors([{ type: 'text', text: t[field] }])) fail(field, d.message);
  };
  asText('welcomeText', false);
  asText('couponHint', true);
  asText('couponText', true);
  for (const d of messageErrors([renderFriendCard(t)])) {
    fail(d.property.replace('messages[0]', 'friendCard'), d.message);
  }
  const memberWelcome = renderMemberWelcome(t);
  if (memberWelcome) {
    for (const d of messageErrors([memberWelcome]))
      fail(d.property.replace('messages[0]', 'memberWelcome'), d.message);
  }
  for (const d of attendanceCommandErrors(t.attendanceCommands)) fail(d.property, d.message);
  if (details.length > 0) throw new InvalidMessageError(details, 'templates');
  return t;
}

const withFriendUrl = (message: Message | null, addFriendUrl: string): Message =>
  JSON.parse(JSON.stringify(message).replaceAll('{{addFriendUrl}}', addFriendUrl)) as Message;

export function renderFriendCard(t: Pick<Templates, 'friendCard' | 'addFriendUrl'>): Message {
  return withFriendUrl(t.friendCard ?? null, t.addFriendUrl);
}

/** The card for members who join later, or undefined when the operator turned it off. */
export function renderMemberWelcome(
  t: Pick<Templates, 'memberWelcome' | 'addFriendUrl'>,
): Message | undefined {
  return t.memberWelcome === null ? undefined : withFriendUrl(t.memberWelcome, t.addFriendUrl);
}
