import { audiencesCommand } from '../lib/cli/audiences';
import { runCli } from '../lib/cli/run';

runCli('audiences', audiencesCommand);
