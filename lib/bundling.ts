/**
 * How every function is bundled (esbuild): the CDK stack and the benchmark use these same
 * options, so the sizes the benchmark reports are the sizes that are deployed.
 */
export const bundling = {
  minify: true,
  target: 'node22',
  format: 'cjs',
  // ESM entry points let esbuild drop the parts of the SDKs we never call.
  mainFields: ['module', 'main'],
} as const;

/** Files a function reads beside its bundle at run time: the console serves htmx from its own origin. */
export const filesBesideBundle: Record<string, string[]> = {
  console: [require.resolve('htmx.org/dist/htmx.min.js')],
};
