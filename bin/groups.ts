import { groupsCommand } from '../lib/cli/groups';
import { runCli } from '../lib/cli/run';

runCli('groups', groupsCommand);
