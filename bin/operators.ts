import { operatorsCommand } from '../lib/cli/operators';
import { runCli } from '../lib/cli/run';

runCli('operators', operatorsCommand);
