import { runCli } from '../lib/cli/run';
import { simulateCommand } from '../lib/cli/simulate';

runCli('simulate', simulateCommand);
