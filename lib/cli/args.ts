import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

/** Every command takes these. */
const common = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/**
 * node:util parseArgs plus --json and --help, with its errors (unknown flag, missing value)
 * turned into usage errors. `usage` is the answer to --help or to no command at all: `exit` is
 * then the exit code to return (0 asked, 2 not).
 */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
  out: (text: string) => void,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...common }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
  const asked = (parsed.values as { help?: boolean }).help === true;
  const exit = asked || parsed.positionals.length === 0 ? (out(usage), asked ? 0 : 2) : undefined;
  return { ...parsed, exit };
}
