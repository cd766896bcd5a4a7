import { isDeepStrictEqual } from 'node:util';
import type { Message } from '../../lambda/domain/messages';
import { defaultTemplates, type Templates } from '../../lambda/domain/templates';

/**
 * The templates page's form: one field per thing an operator usually changes, turned into the
 * same overrides the JSON box and `coupons -- templates --set` store. A field left at its default
 * is no override at all, so later changes to the defaults still reach it.
 */
export interface TemplateFields {
  welcomeText: string;
  couponHint: string;
  couponText: string;
  /** Comma- (or 、-, or line-) separated. */
  keywords: string;
  keywordCooldownSeconds: string;
  addFriendUrl: string;
  /** The add-friend card's title, text and button label; absent when its shape is not the default's. */
  card?: { title: string; text: string; button: string };
  memberWelcome: boolean;
  /** Keywords count only in messages that @mention the OA (a quiet bot in a lively group). */
  keywordsNeedMention: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where the form's card fields live in a Flex bubble: its first two body texts and its first
 * button. A card of another shape (a carousel, a hero only) is edited as JSON.
 */
function cardParts(card: unknown): { title: Json; text: Json; button: Json & { action: Json } } | undefined {
  if (!isObject(card) || card.type !== 'flex' || !isObject(card.contents)) return undefined;
  const bubble = card.contents;
  if (bubble.type !== 'bubble') return undefined;
  const components = (box: unknown): Json[] =>
    isObject(box) && Array.isArray(box.contents)
      ? box.contents.filter(isObject).flatMap((c) => (c.type === 'box' ? components(c) : [c]))
      : [];
  const [title, text] = components(bubble.body).filter(
    (c) => c.type === 'text' && typeof c.text === 'string',
  );
  const button = [...components(bubble.body), ...components(bubble.footer)].find(
    (c): c is Json & { action: Json } => c.type === 'button' && isObject(c.action),
  );
  return title && text && button ? { title, text, button } : undefined;
}

/** The form as the operator sees it: the templates in effect (defaults where nothing is set). */
export function fieldsOf(templates: Templates): TemplateFields {
  const parts = cardParts(templates.friendCard);
  return {
    welcomeText: templates.welcomeText,
    couponHint: templates.couponHint,
    couponText: templates.couponText,
    keywords: Array.isArray(templates.keywords) ? templates.keywords.join(', ') : '',
    keywordCooldownSeconds: String(templates.keywordCooldownSeconds),
    addFriendUrl: templates.addFriendUrl,
    ...(parts && {
      card: {
        title: String(parts.title.text),
        text: String(parts.text.text),
        button: String(parts.button.action.label ?? ''),
      },
    }),
    memberWelcome: templates.memberWelcome !== null,
    keywordsNeedMention: templates.keywordsNeedMention === true,
  };
}

/** The submitted form, as fields (a checkbox left unticked is not sent at all). */
export function fieldsFromForm(form: Record<string, unknown>, current: TemplateFields): TemplateFields {
  // Browsers send a textarea's line breaks as CRLF; LINE's are LF.
  const text = (name: string) => (typeof form[name] === 'string' ? form[name].replace(/\r\n?/g, '\n') : '');
  return {
    welcomeText: text('welcomeText'),
    couponHint: text('couponHint'),
    couponText: text('couponText'),
    keywords: text('keywords'),
    keywordCooldownSeconds: text('keywordCooldownSeconds'),
    addFriendUrl: text('addFriendUrl').trim(),
    ...(current.card && {
      card: { title: text('cardTitle'), text: text('cardText'), button: text('cardButton') },
    }),
    memberWelcome: form.memberWelcome === 'on',
    keywordsNeedMention: form.keywordsNeedMention === 'on',
  };
}

/**
 * The overrides to store: `overrides` with the form's fields applied. Values are passed on as
 * typed, so the templates' own checks (LINE's rules) name what is wrong.
 */
export function overridesFrom(fields: TemplateFields, overrides: Json): Json {
  const next = new Map(Object.entries(overrides));
  const set = (key: keyof Templates, value: unknown) => {
    if (isDeepStrictEqual(value, defaultTemplates[key])) next.delete(key);
    else next.set(key, value);
  };
  set('welcomeText', fields.welcomeText);
  set('couponHint', fields.couponHint);
  set('couponText', fields.couponText);
  set(
    'keywords',
    fields.keywords
      .split(/[,、\n]/)
      .map((k) => k.trim())
      .filter((k) => k !== ''),
  );
  const cooldown = fields.keywordCooldownSeconds.trim();
  // A blank or a word stays as typed, so the check says what it must be instead of reading 0.
  set(
    'keywordCooldownSeconds',
    cooldown !== '' && Number.isFinite(Number(cooldown)) ? Number(cooldown) : cooldown,
  );
  set('addFriendUrl', fields.addFriendUrl);
  set('keywordsNeedMention', fields.keywordsNeedMention);
  const card = JSON.parse(JSON.stringify(overrides.friendCard ?? defaultTemplates.friendCard)) as Message;
  const parts = cardParts(card);
  if (fields.card && parts) {
    parts.title.text = fields.card.title;
    parts.text.text = fields.card.text;
    parts.button.action.label = fields.card.button;
    set('friendCard', card);
  }
  if (!fields.memberWelcome) next.set('memberWelcome', null);
  else if (next.get('memberWelcome') === null) next.delete('memberWelcome');
  return Object.fromEntries(next);
}

/** A check's property (`templates.friendCard.contents…`) as the form field it belongs to. */
export function fieldOfProperty(property: string): string {
  const key = property.replace(/^templates\.?/, '').split(/[.[]/)[0] ?? '';
  return key === 'friendCard' ? 'card' : key;
}
