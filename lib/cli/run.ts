import { UsageError } from './usage-error';

export type Command = (argv: string[], out: (text: string) => void) => Promise<number>;

/** Runs a CLI command as a process: usage errors exit 2 without a stack, failures exit 1. */
export function runCli(name: string, command: Command): void {
  command(process.argv.slice(2), (text) => console.log(text)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof UsageError ? error.message : `${name}: ${(error as Error).message}`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
