import { attendanceCommand } from '../lib/cli/attendance';
import { runCli } from '../lib/cli/run';

runCli('attendance', attendanceCommand);
