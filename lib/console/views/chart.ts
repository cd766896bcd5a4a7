import { html } from 'hono/html';
import type { DailyCounts } from '../../../lambda/app/ports';

const SERIES = [
  ['joins', '参加', '#06C755'],
  ['leaves', '退出', '#8c959f'],
  ['ejections', '追い出し', '#cf222e'],
] as const;

/** Joins, leaves and ejections per day as grouped bars: an SVG drawn on the server, no script. */
export function dailyChart(days: DailyCounts[]) {
  const width = 960;
  const height = 200;
  const max = Math.max(1, ...days.flatMap((d) => [d.joins, d.leaves, d.ejections]));
  const slot = width / Math.max(days.length, 1);
  const bar = Math.max(1, (slot - 4) / SERIES.length);
  const y = (n: number) => height - 20 - (n / max) * (height - 40);
  return html`<figure>
    <svg role="img" aria-label="日ごとの参加・退出・追い出し" viewBox="0 0 ${width} ${height}" width="100%">
      ${days.map((d, i) =>
        SERIES.map(([key, label, color], s) => {
          const n = d[key];
          return html`<rect
            x="${(i * slot + 2 + s * bar).toFixed(1)}"
            y="${y(n).toFixed(1)}"
            width="${bar.toFixed(1)}"
            height="${(height - 20 - y(n)).toFixed(1)}"
            fill="${color}"
            ><title>${d.day} ${label} ${n}</title></rect
          >`;
        }),
      )}
      ${days
        .filter((_, i) => i % 5 === 0 || i === days.length - 1)
        .map(
          (d) =>
            html`<text x="${(days.indexOf(d) * slot).toFixed(1)}" y="${height - 4}" font-size="11"
              >${d.day.slice(5)}</text
            >`,
        )}
      <text x="0" y="12" font-size="11">${max}</text>
    </svg>
    <figcaption>
      ${SERIES.map(([, label, color]) => html`<span style="color:${color}">■</span> ${label} `)}（日本時間、30日）
    </figcaption>
  </figure>`;
}
