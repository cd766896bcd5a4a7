import { UsageError } from '../lib/cli/usage-error';
import { simulateCommand } from '../lib/cli/simulate';

simulateCommand(process.argv.slice(2), (text) => console.log(text)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `simulate: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
