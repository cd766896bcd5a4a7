import { DEFAULT_CAMPAIGN_FUNCTION } from '../lib/cli/campaign';
import { parseCommandLine } from '../lib/cli/args';
import { connect, connectAudiences, connectLine, connectionOptions } from '../lib/cli/connection';
import { consoleDeps } from '../lib/console/deps';
import { startConsole } from '../lib/console/server';

const usage = `Usage: npm run console [-- --aws]

Serves the operators' console at http://127.0.0.1:\${CONSOLE_PORT:-3001}/ (this machine only).
Reads the local stack (npm start) by default; DYNAMODB_ENDPOINT points elsewhere; --aws uses the
deployed tables with your AWS credentials and region, and starts campaigns in the stack's planner
function (CAMPAIGN_FUNCTION, default ${DEFAULT_CAMPAIGN_FUNCTION}).
With CONSOLE_AUTH=oidc it signs people in first (OIDC_ISSUER, OIDC_CLIENT_ID, CONSOLE_PUBLIC_URL; README).`;

/** `npm run console`: the console alone, without the rest of the local stack. */
async function main() {
  const { values, exit } = parseCommandLine(
    [...process.argv.slice(2), 'serve'],
    { ...connectionOptions },
    usage,
    (text) => console.log(text),
  );
  if (exit !== undefined) process.exit(exit);
  const { client, tables, endpoint } = connect(values);
  const deps = consoleDeps({
    client,
    tables,
    line: await connectLine(values),
    audienceLine: await connectAudiences(values),
    ...(values.aws && { campaignFunction: process.env.CAMPAIGN_FUNCTION || DEFAULT_CAMPAIGN_FUNCTION }),
    log: (line) => console.error(line),
  });
  const server = await startConsole(deps, Number(process.env.CONSOLE_PORT || 3001));
  console.log(`console       ${server.url}  (tables at ${endpoint}; Ctrl-C stops it)`);
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(`npm run console failed: ${(error as Error).message}`);
  process.exit(1);
});
