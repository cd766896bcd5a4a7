import { startLocalStack } from '../lib/local/local-stack';

/** `npm start [-- --persist]`: the whole product on this machine, no AWS account, no internet. */
async function main() {
  const persist = process.argv.includes('--persist');
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Locally, coupon and template changes show at once (Lambda keeps them 30 s).
  process.env.SETTINGS_CACHE_SECONDS ??= '0';
  // Locally a chat's name is read again 5 s after LINE failed to give it (30 s on AWS).
  process.env.ENRICHMENT_RETRY_SECONDS ??= '5';
  const stack = await startLocalStack({ env: process.env, persist, print: (line) => console.log(line) });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `\n${signal}: stopping the console, the webhook server, the processor, the LINE emulator and DynamoDB Local...`,
    );
    void stack.stop().then(() => {
      console.log('stopped; nothing left running.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
