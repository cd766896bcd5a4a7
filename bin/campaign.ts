import { campaignCommand } from '../lib/cli/campaign';
import { runCli } from '../lib/cli/run';

runCli('campaign', campaignCommand);
