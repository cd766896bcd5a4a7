import { mkdirSync, writeFileSync } from 'node:fs';
import { benchBundles } from '../lib/bench/bundles';
import { benchCampaign, LINE_PUSH_LIMIT_PER_SECOND } from '../lib/bench/campaign-fanout';
import { startBenchEnvironment } from '../lib/bench/environment';
import { benchOperatorQuery } from '../lib/bench/operator-query';
import { round } from '../lib/bench/stats';
import { benchThroughput } from '../lib/bench/throughput';
import { benchAcknowledgement } from '../lib/bench/acknowledgement';
import { benchAttendance } from '../lib/bench/attendance';
import { benchCapacity, benchReplyLatency } from '../lib/bench/processing';
import { costOfAMillion } from '../lib/bench/cost';
import { TOKYO_PRICES } from '../lib/bench/prices';
import { formatTable } from '../lib/cli/table';

/**
 * `npm run bench [-- --quick]`: speed, size and resilience figures, measured side by side in one
 * run on this machine, printed as tables and written to .local/bench/results.json.
 */
async function main() {
  const quick = process.argv.includes('--quick');
  const log = (text: string) => console.log(text);
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    quick,
  };

  log('1. Bundles and cold start (median of 20 fresh Node processes requiring the bundle)');
  const bundles = await benchBundles(quick ? 5 : 20);
  const rows = [...bundles.functions, bundles.baseline].map((b) => ({
    bundle: b.name,
    'size KB': round(b.bytes / 1024),
    'load ms': b.loadMsMedian,
    'size ×': round(b.bytes / bundles.baseline.bytes, 2),
    'load ×': round(b.loadMsMedian / bundles.baseline.loadMsMedian, 2),
  }));
  log(formatTable(rows, ['bundle', 'size KB', 'load ms', 'size ×', 'load ×']));
  results.bundles = bundles;

  const bench = await startBenchEnvironment();
  try {
    log("\n2. Acknowledgement: the webhook's answer vs. the same write done raw (DynamoDB Local)");
    const groups = await bench.seedGroups(500);
    const acknowledgement = [
      await benchAcknowledgement(bench, groups, 1, quick ? 50 : 300),
      await benchAcknowledgement(bench, groups, 100, quick ? 10 : 40),
      await benchAcknowledgement(bench, groups, 1, quick ? 30 : 100, true),
    ];
    log(
      formatTable(
        acknowledgement as unknown as Record<string, unknown>[],
        Object.keys(acknowledgement[0] ?? {}),
      ),
    );
    results.acknowledgement = acknowledgement;

    log('\n2b. Receipt to reply: webhook received -> welcome at LINE (the emulator), one join at a time');
    const reply = await benchReplyLatency(bench, quick ? 20 : 100);
    log(formatTable([reply as unknown as Record<string, unknown>], Object.keys(reply)));
    results.reply = reply;

    log('\n2c. DynamoDB capacity units per group message, end to end (inbox write included)');
    const capacity = await benchCapacity(bench, quick ? 50 : 200);
    log(formatTable(capacity as unknown as Record<string, unknown>[], Object.keys(capacity[0] ?? {})));
    results.capacity = capacity;

    const routine = capacity[0];
    const answer = acknowledgement[0];
    if (routine) {
      log(
        `\n2d. What a million routine group messages cost on AWS (${TOKYO_PRICES.region}, prices of ${TOKYO_PRICES.asOf}, lib/bench/prices.ts)`,
      );
      const cost = costOfAMillion({
        webhookMs: answer?.ackP50 ?? 5,
        webhookMemoryMb: 512,
        processorMsPerMessage: routine.processorMsPerMessage,
        messagesPerInvocation: routine.messagesPerInvocation,
        processorMemoryMb: 512,
        writeUnitsPerMessage: routine.writeUnitsPerMessage,
        readUnitsPerMessage: routine.readUnitsPerMessage,
      });
      log(formatTable(cost.lines as unknown as Record<string, unknown>[], ['part', 'usage', 'usd']));
      log(`total: $${cost.totalUsd} per million routine messages`);
      results.cost = cost;
    }

    log(
      '\n2e. Attendance: capacity units per clock command, end to end (inbox write and free reply included)',
    );
    const attendance = await benchAttendance(bench, quick ? 50 : 200);
    log(formatTable(attendance as unknown as Record<string, unknown>[], Object.keys(attendance[0] ?? {})));
    results.attendance = attendance;

    log('\n3. Throughput (signed webhooks over HTTP to the local server; 10% redeliveries)');
    const throughput = await benchThroughput(bench, 32, quick ? 3 : 10);
    log(formatTable([throughput as unknown as Record<string, unknown>], Object.keys(throughput)));
    results.throughput = throughput;
  } finally {
    await bench.close();
  }

  const campaignBench = await startBenchEnvironment({ rateLimitPerSecond: LINE_PUSH_LIMIT_PER_SECOND });
  try {
    log(`\n4. Campaign fan-out (emulator limited to LINE's ${LINE_PUSH_LIMIT_PER_SECOND} pushes/s)`);
    const ids = await campaignBench.seedGroups(quick ? 1000 : 10_000);
    const campaign = await benchCampaign(campaignBench, ids);
    log(formatTable([campaign as unknown as Record<string, unknown>], Object.keys(campaign)));
    results.campaign = campaign;
  } finally {
    await campaignBench.close();
  }

  const queryBench = await startBenchEnvironment();
  try {
    const total = quick ? 10_000 : 100_000;
    log(`\n5. Operator query: ejected groups among ${total} (byStatus Query vs. Scan, median of 3)`);
    await queryBench.seedGroups(total, (i) => (i % 100 === 0 ? 'ejected' : i % 10 === 0 ? 'left' : 'active'));
    const query = await benchOperatorQuery(queryBench, total, total / 100);
    log(formatTable([query as unknown as Record<string, unknown>], Object.keys(query)));
    results.operatorQuery = query;
  } finally {
    await queryBench.close();
  }

  mkdirSync('.local/bench', { recursive: true });
  writeFileSync('.local/bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
  log('\nwritten to .local/bench/results.json');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
