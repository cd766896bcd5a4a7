import { readFileSync } from 'node:fs';
import { DynamoDbCouponStore } from '../../lambda/adapters/dynamodb/coupon-store';
import { DynamoDbSettingsStore } from '../../lambda/adapters/dynamodb/settings-store';
import {
  closeCoupon,
  createCoupon,
  type NewCoupon,
  registerCoupon,
  setGroupCoupon,
} from '../../lambda/app/manage-coupons';
import { loadTemplates } from '../../lambda/domain/templates';
import { parseCommandLine } from './args';
import { cliAudit } from './audit';
import { connect, connectLine, connectionOptions } from './connection';
import { durationMs, parseTime } from './groups';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const couponsUsage = `Usage:
  npm run coupons -- create --title <t> --end <ISO time|30d> [--start <ISO time>] [--discount <10%|500>] [--free]
                            [--keyword <word>] [--description <text>] [--image-url <https://…>]
  npm run coupons -- register <couponId> [--keyword <word>]   keep a coupon made elsewhere (LINE OA Manager)
  npm run coupons -- list
  npm run coupons -- show <couponId>
  npm run coupons -- close <couponId>
  npm run coupons -- set-group-coupon <couponId> | --none      sent on join and on the group keywords
                                                               (a coupon not registered yet is fetched from LINE)
  npm run coupons -- templates [--set <file.json>]             show, or change, what the bot says
Add --json for machine-readable output, --aws for AWS (else the local stack).`;

/** `30d`, `12h` from now, or an ISO-8601 time. */
function parseUntil(value: string, now: Date, flag: string): Date {
  const ms = durationMs(value);
  return new Date(ms === undefined ? parseTime(value, flag) : now.getTime() + ms);
}

function reward(values: { discount?: string; free?: boolean }): NewCoupon['reward'] {
  if (values.free) return { type: 'free' };
  if (!values.discount) return { type: 'others' };
  const percent = /^(\d{1,2})%$/.exec(values.discount);
  if (percent) return { type: 'discount', percentage: Number(percent[1]) };
  if (/^\d+$/.test(values.discount)) return { type: 'discount', fixedAmount: Number(values.discount) };
  throw new UsageError('--discount: expected a percentage (10%) or an amount in yen (500)');
}

export async function couponsCommand(
  argv: string[],
  out: (text: string) => void,
  env = process.env,
): Promise<number> {
  const { values, positionals, exit } = parseCommandLine(
    argv,
    {
      ...connectionOptions,
      title: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      discount: { type: 'string' },
      free: { type: 'boolean', default: false },
      keyword: { type: 'string' },
      description: { type: 'string' },
      'image-url': { type: 'string' },
      none: { type: 'boolean', default: false },
      set: { type: 'string' },
    },
    couponsUsage,
    out,
  );
  if (exit !== undefined) return exit;
  const [command, couponId] = positionals;
  const { client, tables } = connect(values, env);
  const now = () => new Date();
  const deps = {
    line: await connectLine(values, env),
    coupons: new DynamoDbCouponStore(client, tables.coupons),
    settings: new DynamoDbSettingsStore(client, tables.settings),
    now,
  };
  const recordChange = cliAudit(values, env, client, tables);
  const print = (value: unknown, human: () => string) =>
    out(values.json ? JSON.stringify(value, null, 2) : human());
  const needId = () => {
    if (!couponId) throw new UsageError(`${command}: which couponId?`);
    return couponId;
  };
  try {
    switch (command) {
      case 'create': {
        if (!values.title || !values.end)
          throw new UsageError(`create needs --title and --end\n\n${couponsUsage}`);
        const coupon = await createCoupon(
          {
            title: values.title,
            startsAt: values.start ? parseUntil(values.start, now(), '--start') : now(),
            endsAt: parseUntil(values.end, now(), '--end'),
            reward: reward(values),
            ...(values.keyword && { keyword: values.keyword }),
            ...(values.description && { description: values.description }),
            ...(values['image-url'] && { imageUrl: values['image-url'] }),
          },
          deps,
        );
        await recordChange('coupons.create', `coupon:${coupon.couponId}`, {
          title: coupon.title,
          keyword: values.keyword,
        });
        print(
          coupon,
          () => `created ${coupon.couponId} "${coupon.title}" (${coupon.status}, until ${coupon.endsAt})`,
        );
        return 0;
      }
      case 'register': {
        const coupon = await registerCoupon(needId(), values.keyword, deps);
        await recordChange('coupons.register', `coupon:${coupon.couponId}`, { keyword: values.keyword });
        print(coupon, () => `registered ${coupon.couponId} "${coupon.title}" (${coupon.status})`);
        return 0;
      }
      case 'list': {
        const [coupons, groupCouponId] = await Promise.all([
          deps.coupons.list(),
          deps.settings.groupCouponId(),
        ]);
        const rows = coupons.map((c) => ({ ...c, groupCoupon: c.couponId === groupCouponId ? 'yes' : '' }));
        print(rows, () =>
          formatTable(rows, ['couponId', 'title', 'status', 'startsAt', 'endsAt', 'keyword', 'groupCoupon']),
        );
        return 0;
      }
      case 'show': {
        const [stored, onLine] = await Promise.all([
          deps.coupons.get(needId()),
          deps.line.getCoupon(needId()),
        ]);
        print({ stored, line: onLine }, () => JSON.stringify({ stored, line: onLine }, null, 2));
        return 0;
      }
      case 'close': {
        const coupon = await closeCoupon(needId(), deps);
        await recordChange('coupons.close', `coupon:${coupon.couponId}`);
        print(coupon, () => `closed ${coupon.couponId}`);
        return 0;
      }
      case 'set-group-coupon': {
        if (!values.none && !couponId) throw new UsageError('set-group-coupon: a couponId, or --none');
        const coupon = await setGroupCoupon(values.none ? undefined : couponId, deps);
        await recordChange('coupons.set-group-coupon', 'settings:groupCoupon', {
          couponId: values.none ? 'none' : couponId,
        });
        print({ groupCoupon: values.none ? null : couponId, ...(coupon && { coupon }) }, () =>
          values.none
            ? 'no group coupon: joins and keywords get no coupon'
            : `group coupon is now ${couponId} (${coupon?.title ?? ''})`,
        );
        return 0;
      }
      case 'templates': {
        if (values.set) {
          await deps.settings.setTemplateOverrides(
            JSON.parse(readFileSync(values.set, 'utf8')) as Record<string, unknown>,
          );
          await recordChange('templates.set', 'settings:templates', { file: values.set });
        }
        const templates = loadTemplates(await deps.settings.templateOverrides());
        print(templates, () => JSON.stringify(templates, null, 2));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${couponsUsage}`);
    }
  } finally {
    client.destroy();
  }
}
