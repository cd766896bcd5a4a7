import { couponsCommand } from '../lib/cli/coupons';
import { runCli } from '../lib/cli/run';

runCli('coupons', couponsCommand);
