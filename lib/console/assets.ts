import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * htmx from node_modules, or beside the bundle on AWS (the console function's bundling copies it
 * there): served from our own origin, so the CSP needs no other script source.
 */
export function readHtmx(): string {
  const bundled = join(__dirname, 'htmx.min.js');
  if (existsSync(bundled)) return readFileSync(bundled, 'utf8');
  return readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');
}

/**
 * Our only script, a file rather than inline handlers (the CSP forbids those): a form with
 * `data-confirm` asks before it is sent.
 */
export const CONSOLE_JS = `document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
`;
