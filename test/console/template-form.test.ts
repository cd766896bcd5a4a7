import { defaultTemplates, loadTemplates } from '../../lambda/domain/templates';
import {
  fieldOfProperty,
  fieldsFromForm,
  fieldsOf,
  overridesFrom,
  type TemplateFields,
} from '../../lib/console/template-form';
import { flexMessage } from '../../lib/console/views/flex';

// The templates form and the preview's Flex drawing, without a browser (test/console/console.test.ts
// drives both in one).
const defaults = () => fieldsOf(loadTemplates({}));
const withFields = (changes: Partial<TemplateFields>) => ({ ...defaults(), ...changes });

describe('the templates form', () => {
  it('shows the templates in effect, and the defaults submitted unchanged are no override at all', () => {
    expect(defaults()).toEqual({
      welcomeText: defaultTemplates.welcomeText,
      couponHint: defaultTemplates.couponHint,
      couponText: defaultTemplates.couponText,
      keywords: 'クーポン, coupon',
      keywordCooldownSeconds: '600',
      addFriendUrl: defaultTemplates.addFriendUrl,
      card: {
        title: '友だち追加のお願い',
        text: expect.stringContaining('友だち追加すると') as string,
        button: '友だち追加',
      },
      memberWelcome: true,
      keywordsNeedMention: false,
    });
    expect(overridesFrom(defaults(), {})).toEqual({});
  });

  it('changes only what was changed: the card keeps its shape, colours and link', () => {
    const overrides = overridesFrom(
      withFields({ card: { title: '渋谷店', text: '本文', button: '追加する' } }),
      {},
    );
    expect(Object.keys(overrides)).toEqual(['friendCard']);
    const card = loadTemplates(overrides).friendCard;
    const expected = JSON.parse(
      JSON.stringify(defaultTemplates.friendCard)
        .replace('"友だち追加のお願い"', '"渋谷店"')
        .replace(/"友だち追加すると[^"]*"/, '"本文"')
        .replace('"label":"友だち追加"', '"label":"追加する"'),
    ) as unknown;
    expect(card).toEqual(expected);
    // And back to the defaults: the override goes away again.
    expect(overridesFrom(defaults(), overrides)).toEqual({});
  });

  it('reads keywords separated by commas, 、 or lines; the cool-down as a number unless it is none', () => {
    const overrides = overridesFrom(
      withFields({ keywords: 'ランチ、 coupon ,\nクーポン,, ', keywordCooldownSeconds: '90' }),
      {},
    );
    expect(overrides).toEqual({ keywords: ['ランチ', 'coupon', 'クーポン'], keywordCooldownSeconds: 90 });
    // Left as typed, so LINE's rules name it instead of a blank reading as 0.
    const blank = overridesFrom(withFields({ keywordCooldownSeconds: ' ' }), {});
    expect(() => loadTemplates(blank)).toThrow('templates.keywordCooldownSeconds');
  });

  it('turns the member welcome off with null, and on again by dropping the override', () => {
    const off = overridesFrom(withFields({ memberWelcome: false }), {});
    expect(off).toEqual({ memberWelcome: null });
    expect(overridesFrom(withFields({ memberWelcome: true }), off)).toEqual({});
    const custom = { type: 'text', text: 'ようこそ' };
    expect(overridesFrom(withFields({ memberWelcome: true }), { memberWelcome: custom })).toEqual({
      memberWelcome: custom,
    });
  });

  it('keywords can require an @mention of the OA: ticked is an override, unticked is the default again', () => {
    const quiet = overridesFrom(withFields({ keywordsNeedMention: true }), {});
    expect(quiet).toEqual({ keywordsNeedMention: true });
    expect(loadTemplates(quiet).keywordsNeedMention).toBe(true);
    expect(fieldsFromForm({ keywordsNeedMention: 'on' }, defaults()).keywordsNeedMention).toBe(true);
    expect(overridesFrom(withFields({ keywordsNeedMention: false }), quiet)).toEqual({});
  });

  it('a card of another shape has no card fields; the form leaves it to the JSON box', () => {
    const carousel = {
      type: 'flex',
      altText: '2枚',
      contents: { type: 'carousel', contents: [defaultTemplates.friendCard.contents] },
    };
    const fields = fieldsOf(loadTemplates({ friendCard: carousel }));
    expect(fields.card).toBeUndefined();
    const submitted = fieldsFromForm({ ...fields, cardTitle: 'ignored', memberWelcome: 'on' }, fields);
    expect(overridesFrom(submitted, { friendCard: carousel })).toEqual({ friendCard: carousel });
  });

  it("takes a browser's CRLF line breaks as LINE's LF, and an unticked checkbox as off", () => {
    const fields = fieldsFromForm({ welcomeText: 'a\r\nb', keywords: 'x' }, defaults());
    expect(fields).toMatchObject({ welcomeText: 'a\nb', memberWelcome: false, couponHint: '' });
  });

  it("names the field a check's property belongs to", () => {
    expect(fieldOfProperty('templates.welcomeText')).toBe('welcomeText');
    expect(fieldOfProperty('templates.friendCard.contents.type')).toBe('card');
    expect(fieldOfProperty('templates.keywords[0]')).toBe('keywords');
    expect(fieldOfProperty('templates')).toBe('');
  });
});

describe('the Flex preview', () => {
  const draw = async (contents: unknown) =>
    String(await flexMessage({ type: 'flex', altText: 'x', contents }));
  const bubbleWith = (component: Record<string, unknown>) => ({
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', contents: [component] },
  });

  it('draws sizes, weights and colours from LINE keywords and checked values', async () => {
    const out = await draw(
      bubbleWith({ type: 'text', text: '見出し', size: 'xl', weight: 'bold', color: '#B45309' }),
    );
    expect(out).toContain('style="font-size:22px;font-weight:700;color:#B45309"');
    expect(out).toContain('見出し');
  });

  it('never lets a template put its own CSS, markup or a non-https image into the page', async () => {
    const out = await draw({
      type: 'bubble',
      hero: { type: 'image', url: 'javascript:alert(1)' },
      body: {
        type: 'box',
        layout: 'vertical" onclick="x',
        spacing: 'constructor',
        contents: [
          {
            type: 'text',
            text: '<script>alert(1)</script>',
            color: 'red;background:url(https://evil.example)',
          },
          { type: 'text', text: 'x', size: '1px;position:fixed', align: 'center;top:0' },
        ],
      },
    });
    expect(out).not.toContain('evil.example');
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('javascript:');
    expect(out).not.toContain('onclick');
    expect(out).not.toContain('position:fixed');
    expect(out).not.toContain('function');
    expect(out).toContain('&lt;script&gt;');
  });

  it('draws a carousel as its bubbles side by side, and an unknown component by its type', async () => {
    const out = await draw({
      type: 'carousel',
      contents: [
        bubbleWith({ type: 'text', text: '1枚目' }),
        bubbleWith({ type: 'video', url: 'https://x' }),
      ],
    });
    expect(out.match(/class="flex-bubble"/g)).toHaveLength(2);
    expect(out).toContain('[video]');
  });
});
