import { auditCommand } from '../lib/cli/audit';
import { runCli } from '../lib/cli/run';

runCli('audit', auditCommand);
