/** A plain text table for people; `--json` output never goes through here. */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (value: unknown) => (value === undefined || value === null ? '-' : String(value));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => width(cell(r[c])))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(v))))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

// Japanese group names are common: full-width characters take two columns in a terminal.
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}
