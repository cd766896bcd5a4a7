import { groupsCommand } from '../lib/cli/groups';
import { UsageError } from '../lib/cli/usage-error';

groupsCommand(process.argv.slice(2), (text) => console.log(text)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : `groups: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
