import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * Flex messages drawn the way LINE draws them (bubble, carousel; hero image, boxes, texts with
 * their size, weight and colour, buttons, separators, images, spacers), so the templates page
 * shows what a group gets. Sizes follow LINE's Flex Message Simulator. Only checked tokens reach a
 * `style` attribute (#RRGGBB[AA] colours, LINE's size keywords, px and %): a template cannot
 * smuggle CSS or a request into the page. Anything unknown is drawn as its type in brackets.
 */

type Json = Record<string, unknown>;
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TEXT_SIZES: Record<string, string> = {
  xxs: '11px',
  xs: '13px',
  sm: '14px',
  md: '16px',
  lg: '19px',
  xl: '22px',
  xxl: '29px',
  '3xl': '35px',
  '4xl': '48px',
  '5xl': '74px',
};
const SPACES: Record<string, string> = {
  none: '0px',
  xs: '2px',
  sm: '4px',
  md: '8px',
  lg: '12px',
  xl: '16px',
  xxl: '20px',
};
const IMAGE_SIZES: Record<string, string> = {
  xxs: '40px',
  xs: '60px',
  sm: '80px',
  md: '100px',
  lg: '120px',
  xl: '140px',
  xxl: '160px',
  '3xl': '180px',
  '4xl': '200px',
  '5xl': '220px',
  full: '100%',
};
const BUBBLE_WIDTHS: Record<string, string> = {
  nano: '120px',
  micro: '160px',
  deca: '220px',
  hecto: '241px',
  kilo: '260px',
  mega: '300px',
  giga: '500px',
};

/** LINE's keyword for a length, only if it is one (never an inherited property of the table). */
const keyword = (table: Record<string, string>, v: unknown) =>
  typeof v === 'string' && Object.hasOwn(table, v) ? table[v] : undefined;
const color = (v: unknown) =>
  typeof v === 'string' && /^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(v) ? v : undefined;
const length = (v: unknown, keywords: Record<string, string>) =>
  keyword(keywords, v) ?? (typeof v === 'string' && /^\d+(?:\.\d+)?(?:px|%)$/.test(v) ? v : undefined);
const integer = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const ratio = (v: unknown) => {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(v) : null;
  return m ? `${m[1]} / ${m[2]}` : undefined;
};

/** `property:value` pairs whose value passed a check above; undefined ones are left out. */
function style(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}:${v}`)
    .join(';');
}

const ALIGN: Record<string, string> = { start: 'flex-start', end: 'flex-end', center: 'center' };
const TEXT_ALIGN: Record<string, string> = { start: 'left', end: 'right', center: 'center' };

/** What every component may carry: its share of the row and its margin from the previous one. */
function common(c: Json, first: boolean) {
  return { flex: integer(c.flex), 'margin-top': first ? undefined : length(c.margin, SPACES) };
}

/** Line breaks as LINE shows them, without relying on the markup's own whitespace. */
const lines = (value: unknown) =>
  String(value ?? '')
    .split('\n')
    .map((line, i) => (i === 0 ? html`${line}` : html`<br />${line}`));

function text(c: Json, first: boolean): Html {
  const spans = Array.isArray(c.contents) ? c.contents.filter(isObject) : [];
  return html`<div
    class="flex-text${c.wrap === true ? ' wrap' : ''}"
    style="${style({
      ...common(c, first),
      'font-size': length(c.size, TEXT_SIZES),
      'font-weight': c.weight === 'bold' ? 700 : undefined,
      color: color(c.color),
      'text-align': keyword(TEXT_ALIGN, c.align),
      'font-style': c.style === 'italic' ? 'italic' : undefined,
      'text-decoration':
        c.decoration === 'underline' || c.decoration === 'line-through' ? c.decoration : undefined,
    })}"
  >
    ${
      spans.length > 0
        ? spans.map(
            (s) =>
              html`<span
                style="${style({
                  'font-size': length(s.size, TEXT_SIZES),
                  'font-weight': s.weight === 'bold' ? 700 : undefined,
                  color: color(s.color),
                })}"
                >${lines(s.text)}</span
              >`,
          )
        : lines(c.text)
    }
  </div>`;
}

function button(c: Json, first: boolean): Html {
  const kind = c.style === 'primary' || c.style === 'secondary' ? c.style : 'link';
  const action = isObject(c.action) ? c.action : {};
  return html`<div
    class="flex-button ${kind}${c.height === 'sm' ? ' sm' : ''}"
    style="${style({
      ...common(c, first),
      ...(kind === 'link' ? { color: color(c.color) } : { 'background-color': color(c.color) }),
    })}"
    title="${String(action.uri ?? action.data ?? action.text ?? '')}"
  >
    ${String(action.label ?? '')}
  </div>`;
}

function image(c: Json, first: boolean, hero = false): Html {
  const url = typeof c.url === 'string' && c.url.startsWith('https://') ? c.url : undefined;
  const size = hero ? '100%' : (length(c.size, IMAGE_SIZES) ?? IMAGE_SIZES.md);
  const box = style({
    ...common(c, first),
    width: size,
    'aspect-ratio': ratio(c.aspectRatio) ?? '1 / 1',
    'background-color': color(c.backgroundColor),
  });
  return url
    ? html`<img
        class="flex-image${c.aspectMode === 'cover' ? ' cover' : ''}"
        src="${url}"
        alt=""
        style="${box}"
        referrerpolicy="no-referrer"
      />`
    : html`<div class="flex-image missing" style="${box}">[image]</div>`;
}

function box(c: Json, first: boolean): Html {
  const layout = c.layout === 'horizontal' || c.layout === 'baseline' ? c.layout : 'vertical';
  const children = Array.isArray(c.contents) ? c.contents : [];
  const gap = length(c.spacing, SPACES);
  return html`<div
    class="flex-box ${layout}"
    style="${style({
      ...common(c, first),
      gap,
      padding: length(c.paddingAll, SPACES),
      'padding-top': length(c.paddingTop, SPACES),
      'padding-bottom': length(c.paddingBottom, SPACES),
      'padding-left': length(c.paddingStart, SPACES),
      'padding-right': length(c.paddingEnd, SPACES),
      'background-color': color(c.backgroundColor),
      'border-radius': length(c.cornerRadius, SPACES),
      'justify-content':
        typeof c.justifyContent === 'string'
          ? keyword(ALIGN, c.justifyContent.replace('flex-', ''))
          : undefined,
    })}"
  >
    ${children.map((child, i) => component(child, i === 0))}
  </div>`;
}

function component(c: unknown, first: boolean): Html {
  if (!isObject(c)) return html``;
  switch (c.type) {
    case 'box':
      return box(c, first);
    case 'text':
      return text(c, first);
    case 'button':
      return button(c, first);
    case 'image':
      return image(c, first);
    case 'separator':
      return html`<div
        class="flex-separator"
        style="${style({ 'margin-top': first ? undefined : length(c.margin, SPACES), 'border-color': color(c.color) })}"
      ></div>`;
    case 'spacer':
      return html`<div class="flex-spacer" style="${style({ height: length(c.size, SPACES) })}"></div>`;
    case 'filler':
      return html`<div class="flex-filler" style="${style({ flex: integer(c.flex) ?? 1 })}"></div>`;
    case 'icon':
      return html`<span class="flex-icon">★</span>`;
    default:
      return html`<div class="flex-unknown">[${String(c.type)}]</div>`;
  }
}

function bubble(b: unknown): Html {
  if (!isObject(b) || b.type !== 'bubble') return html`<div class="flex-unknown">[bubble?]</div>`;
  const styles = isObject(b.styles) ? b.styles : {};
  const block = (name: 'header' | 'body' | 'footer') => {
    const part = b[name];
    if (!isObject(part)) return '';
    const own = isObject(styles[name]) ? styles[name] : {};
    return html`<div
      class="flex-${name}"
      style="${style({ 'background-color': color(own.backgroundColor) })}"
    >
      ${component(part, true)}
    </div>`;
  };
  const hero = b.hero;
  return html`<div class="flex-bubble" style="${style({ width: keyword(BUBBLE_WIDTHS, b.size) })}">
    ${block('header')}
    ${
      isObject(hero)
        ? html`<div class="flex-hero">
            ${hero.type === 'image' ? image(hero, true, true) : component(hero, true)}
          </div>`
        : ''
    }
    ${block('body')} ${block('footer')}
  </div>`;
}

/** A Flex message (`{type: 'flex', altText, contents}`) as LINE shows it in a chat. */
export function flexMessage(message: Json): Html {
  const contents = message.contents;
  if (isObject(contents) && contents.type === 'carousel' && Array.isArray(contents.contents)) {
    return html`<div class="flex-carousel">${contents.contents.map(bubble)}</div>`;
  }
  return bubble(contents);
}

/** The page's styles for the above: LINE's look, one class per component. */
export const FLEX_CSS = `
.flex-bubble{background:#fff;border-radius:17px;overflow:hidden;width:300px;max-width:100%;margin:6px 0;font-size:14px;color:#111111;box-shadow:0 1px 2px rgba(0,0,0,.15)}
.flex-carousel{display:flex;gap:8px;overflow-x:auto}.flex-carousel .flex-bubble{flex:none}
.flex-header,.flex-body,.flex-footer{padding:20px}.flex-body+.flex-footer{padding-top:10px}.flex-hero{line-height:0}
.flex-box{display:flex;flex-direction:column;min-width:0}.flex-box.horizontal,.flex-box.baseline{flex-direction:row}.flex-box.baseline{align-items:baseline}
.flex-box.horizontal>*,.flex-box.baseline>*{flex:1 1 0}
.flex-text{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:1.4}.flex-text.wrap{white-space:normal;overflow:visible;overflow-wrap:anywhere}
.flex-button{display:flex;align-items:center;justify-content:center;height:52px;border-radius:8px;padding:0 16px;font-size:16px;text-align:center}
.flex-button.sm{height:40px}.flex-button.primary{background:#17c950;color:#fff}.flex-button.secondary{background:#dcdfe5;color:#111}.flex-button.link{color:#42659a}
.flex-image{display:block;max-width:100%;object-fit:contain;margin:0 auto}.flex-image.cover{object-fit:cover}.flex-image.missing{background:#dfe3e8;color:#57606a;display:flex;align-items:center;justify-content:center;line-height:1}
.flex-separator{border-top:1px solid #e0e0e0;width:100%}.flex-filler{flex:1}.flex-unknown{color:#57606a;font-family:ui-monospace,monospace}
.coupon-card{background:#fff;border-radius:17px;overflow:hidden;width:300px;max-width:100%;margin:6px 0}.coupon-card .band{background:#06C755;color:#fff;padding:6px 16px;font-size:12px}.coupon-card .title{padding:14px 16px;font-weight:700;font-size:16px}
`;
