import { eventsCommand } from '../lib/cli/events';
import { runCli } from '../lib/cli/run';

runCli('events', eventsCommand);
