import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { FLEX_CSS } from './flex';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const NAV = [
  ['/', '概要'],
  ['/groups', 'グループ'],
  ['/coupons', 'クーポン'],
  ['/campaigns', 'キャンペーン'],
  ['/audit', '監査ログ'],
  ['/audiences', 'オーディエンス'],
] as const;

/** Every page: the same head, navigation and styles; the body is already escaped by `html`. */
export function layout(title: string, body: Html | string, path: string) {
  return html`<!doctype html>
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} | line-groups</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/console.js" defer></script>
      </head>
      <body>
        <header>
          <strong>line-groups</strong>
          <nav>
            ${NAV.map(
              ([href, label]) =>
                html`<a
                  href="${href}"
                  ${path === href || (href !== '/' && path.startsWith(href)) ? html`aria-current="page"` : ''}
                  >${label}</a
                >`,
            )}
          </nav>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** A label with the stored value beside it: 追い出し `ejected`. */
export const labelled = (labels: Record<string, string>, value: string | undefined) =>
  value === undefined ? html`-` : html`${labels[value] ?? value} <code>${value}</code>`;

export const CSS = `
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{display:flex;gap:24px;align-items:center;padding:12px 24px;background:#06C755;color:#fff}
header nav a{color:#fff;margin-right:16px;text-decoration:none}header nav a[aria-current]{text-decoration:underline}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #d0d7de;padding:6px 8px;text-align:left;font-size:14px}
code{font-size:12px;color:#57606a;background:#eef1f4;padding:1px 4px;border-radius:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{color:inherit;text-decoration:none;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;min-width:160px}
.card .n{font-size:28px;font-weight:600}
.error{color:#b42318;background:#fff1f0;border:1px solid #f3b4ad;padding:8px 12px;border-radius:6px}
.ok{color:#1a7f37;background:#eefbf1;border:1px solid #9ee2b0;padding:8px 12px;border-radius:6px}
form.inline{display:inline}label{display:block;margin:6px 0}input,textarea,select{font:inherit}
textarea{width:100%;min-height:240px;font-family:ui-monospace,monospace;font-size:13px}
.chat{background:#8cabd9;padding:16px;border-radius:8px;max-width:360px}.bubble{background:#fff;border-radius:16px;padding:8px 12px;margin:6px 0;white-space:pre-wrap}
.bubble.card{border:2px solid #06C755}button{background:#06C755;color:#fff;border:0;border-radius:6px;padding:6px 14px;cursor:pointer}
button.danger{background:#b42318}
.templates{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:24px;align-items:start}#preview{position:sticky;top:8px}
fieldset{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:0 0 12px;padding:8px 16px 12px}legend{font-weight:600}
fieldset input:not([type=checkbox]),fieldset textarea{width:100%;box-sizing:border-box;min-height:0}fieldset textarea{font-family:inherit;font-size:inherit}
[aria-invalid=true]{border:2px solid #b42318}.field-error{color:#b42318;margin:2px 0 8px}.note{color:#57606a}
details{margin:12px 0}summary{cursor:pointer}
${FLEX_CSS}`;
