/**
 * A suite that needs something outside node_modules (the browser, LINE's OpenAPI files) runs when
 * it is there and fails loudly, saying how to get it, when it is not: `npm test` never passes by
 * running less than README says. Only the suite's own opt-out variable set to 1 skips it.
 */
export interface Prerequisite {
  present: boolean;
  /** What is missing and how to get it, in one line. */
  missing: string;
  /** The variable that skips the suites needing it, e.g. LINE_GROUPS_SKIP_BROWSER_TESTS. */
  optOut: string;
}

export function describeNeeding(need: Prerequisite, env: NodeJS.ProcessEnv = process.env): jest.Describe {
  if (need.present) return describe;
  if (env[need.optOut] === '1') {
    // Straight to stderr: jest drops the console output of a suite that runs no test.
    process.stderr.write(`${need.missing}; skipped because ${need.optOut}=1\n`);
    return describe.skip;
  }
  throw new Error(`${need.missing} (or set ${need.optOut}=1 to skip these tests)`);
}
