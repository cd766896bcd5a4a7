import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { bundling, filesBesideBundle } from '../bundling';
import { median, round } from './stats';

const ROOT = join(__dirname, '..', '..');

export interface BundleFigure {
  name: string;
  bytes: number;
  loadMsMedian: number;
}

/** Bundles an entry exactly as the stack does, then times `require` of it in fresh Node processes. */
async function measure(entry: string, name: string, runs: number): Promise<BundleFigure> {
  const outdir = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    outfile: join(outdir, 'index.js'),
    minify: bundling.minify,
    target: bundling.target,
    format: bundling.format,
    mainFields: [...bundling.mainFields],
    logLevel: 'silent',
  });
  for (const beside of filesBesideBundle[name] ?? []) copyFileSync(beside, join(outdir, basename(beside)));
  const file = join(outdir, 'index.js');
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times = Array.from({ length: runs }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })),
  );
  return { name, bytes: statSync(file).size, loadMsMedian: round(median(times), 2) };
}

export async function benchBundles(
  runs = 20,
): Promise<{ functions: BundleFigure[]; baseline: BundleFigure }> {
  const handlers = join(ROOT, 'lambda', 'handlers');
  const functions: BundleFigure[] = [];
  for (const file of readdirSync(handlers).filter((f) => f.endsWith('.ts'))) {
    functions.push(await measure(join(handlers, file), basename(file, '.ts'), runs));
  }
  const baseline = await measure(
    join(__dirname, 'baseline-handler.ts'),
    'baseline (signature + 1 UpdateItem)',
    runs,
  );
  return { functions, baseline };
}
