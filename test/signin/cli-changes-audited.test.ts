import { DynamoDbAuditLog } from '../../lambda/adapters/dynamodb/audit-log';
import { environmentFor } from '../../lambda/adapters/dynamodb/tables';
import { couponsCommand } from '../../lib/cli/coupons';
import { testDynamoDbEndpoint } from '../support/dynamodb';
import { CHANNEL_ACCESS_TOKEN, startHarness, type Harness } from '../support/webhook-harness';

// A CLI's change is in the trail as `cli:local` (the local stack); a refused one adds nothing.
let h: Harness;
let env: NodeJS.ProcessEnv;
let trail: DynamoDbAuditLog;

beforeAll(async () => {
  h = await startHarness();
  env = {
    DYNAMODB_ENDPOINT: testDynamoDbEndpoint(),
    ...environmentFor(h.tables),
    LINE_API_BASE_URL: h.line.url,
    LINE_CHANNEL_ACCESS_TOKEN: CHANNEL_ACCESS_TOKEN,
  };
  trail = new DynamoDbAuditLog(h.documents, h.tables.audit);
});
afterAll(() => h.close());

const coupons = (...argv: string[]) => couponsCommand([...argv, '--json'], () => undefined, env);
const entries = () => trail.since(new Date(Date.now() - 60_000), new Date(), 100);

describe('CLI changes in the audit trail', () => {
  it('coupons create and set-group-coupon are recorded as cli:local; a refused change is not', async () => {
    await coupons('create', '--title', '平日 5%OFF', '--end', '30d', '--discount', '5%');
    const [created] = await entries();
    expect(created).toMatchObject({
      actor: { subject: 'cli:local' },
      role: 'cli',
      action: 'coupons.create',
      details: { title: '平日 5%OFF' },
    });
    const couponId = created!.target.replace('coupon:', '');
    await coupons('set-group-coupon', couponId);
    await expect(coupons('set-group-coupon', 'no-such-coupon')).rejects.toThrow();
    expect((await entries()).map((e) => [e.action, e.target, e.details])).toEqual([
      ['coupons.set-group-coupon', 'settings:groupCoupon', { couponId }],
      ['coupons.create', `coupon:${couponId}`, { title: '平日 5%OFF' }],
    ]);
  });
});
