/** A progress line on stderr: redrawn in place on a terminal, every tenth otherwise (CI logs). */
export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr) {
  const counts: Record<string, number> = {};
  let done = 0;
  let lastDecile = -1;
  return {
    tick(outcome: string) {
      done += 1;
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const detail = Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${detail}`;
      if (stream.isTTY) {
        stream.write(`\r${line}`);
        if (done === total) stream.write('\n');
      } else {
        const decile = Math.floor((done / Math.max(total, 1)) * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${line}\n`);
        }
      }
    },
  };
}
