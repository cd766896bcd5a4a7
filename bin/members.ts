import { membersCommand } from '../lib/cli/members';
import { runCli } from '../lib/cli/run';

runCli('members', membersCommand);
