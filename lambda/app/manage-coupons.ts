import type { messagingApi } from '@line/bot-sdk';
import type { Coupon } from '../domain/coupons';
import type { CouponApi, CouponSettings, CouponStore } from './ports';

export interface CouponDeps {
  line: CouponApi;
  coupons: CouponStore;
  settings: CouponSettings;
  now: () => Date;
}

export interface NewCoupon {
  title: string;
  startsAt: Date;
  endsAt: Date;
  description?: string;
  imageUrl?: string;
  /** `10%` off, `500` yen off, or a free item. */
  reward:
    | { type: 'discount'; percentage: number }
    | { type: 'discount'; fixedAmount: number }
    | { type: 'free' }
    | { type: 'others' };
  keyword?: string;
}

/** A coupon LINE described in a way we cannot keep (a time out of range, say). */
export class CouponDetailError extends Error {
  override name = 'CouponDetailError';
}

/** LINE's epoch seconds as ISO-8601; anything that is not a time is refused naming the field. */
function iso(couponId: string, field: string, epochSeconds: number | undefined): string {
  const ms = (epochSeconds ?? 0) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new CouponDetailError(
      `LINE's answer for coupon ${couponId} has ${field} ${String(epochSeconds)}, which is not a time (epoch seconds expected)`,
    );
  }
  return new Date(ms).toISOString();
}

/** Our record of a LINE coupon, from what LINE says about it now. */
function fromLine(
  detail: messagingApi.CouponResponse,
  couponId: string,
  createdAt: string,
  keyword?: string,
): Coupon {
  return {
    couponId,
    title: detail.title ?? couponId,
    startsAt: iso(couponId, 'startTimestamp', detail.startTimestamp),
    endsAt: iso(couponId, 'endTimestamp', detail.endTimestamp),
    status: detail.status ?? 'DRAFT',
    createdAt,
    ...(keyword && { keyword }),
  };
}

/** Creates the coupon on LINE (POST /v2/bot/coupon), then keeps what we need to send it. */
export async function createCoupon(input: NewCoupon, deps: CouponDeps): Promise<Coupon> {
  const reward =
    input.reward.type === 'discount'
      ? {
          type: 'discount',
          priceInfo:
            'percentage' in input.reward
              ? { type: 'percentage', percentage: input.reward.percentage }
              : { type: 'fixed', fixedAmount: input.reward.fixedAmount },
        }
      : { type: input.reward.type };
  const { couponId } = await deps.line.createCoupon({
    title: input.title,
    description: input.description,
    imageUrl: input.imageUrl,
    startTimestamp: Math.floor(input.startsAt.getTime() / 1000),
    endTimestamp: Math.floor(input.endsAt.getTime() / 1000),
    maxUseCountPerTicket: 1,
    acquisitionCondition: { type: 'normal' },
    visibility: 'UNLISTED',
    timezone: 'ASIA_TOKYO',
    reward,
  } as messagingApi.CouponCreateRequest);
  return registerCoupon(couponId, input.keyword, deps);
}

/** Keeps a coupon that already exists on LINE (made in LINE Official Account Manager, say). */
export async function registerCoupon(
  couponId: string,
  keyword: string | undefined,
  deps: CouponDeps,
): Promise<Coupon> {
  const existing = await deps.coupons.get(couponId);
  const coupon = fromLine(
    await deps.line.getCoupon(couponId),
    couponId,
    existing?.createdAt ?? deps.now().toISOString(),
    keyword ?? existing?.keyword,
  );
  await deps.coupons.put(coupon);
  if (keyword) await deps.settings.setCouponKeyword(keyword, couponId);
  return coupon;
}

/**
 * Closes it on LINE and here; it stops being the group coupon and loses its keyword, unless a
 * later coupon took that keyword over.
 */
export async function closeCoupon(couponId: string, deps: CouponDeps): Promise<Coupon> {
  const coupon = await deps.coupons.get(couponId);
  if (!coupon) throw new Error(`no coupon ${couponId} in the coupons table (register it first)`);
  await deps.line.closeCoupon(couponId);
  const closed: Coupon = { ...coupon, status: 'CLOSED' };
  await deps.coupons.put(closed);
  if ((await deps.settings.groupCouponId()) === couponId) await deps.settings.setGroupCoupon(undefined);
  if (coupon.keyword) await deps.settings.removeCouponKeyword(coupon.keyword, couponId);
  return closed;
}

/**
 * The coupon sent on join and on the group keywords; `undefined` sends none. One not yet in the
 * coupons table (made in LINE Official Account Manager) is fetched from LINE and registered first.
 */
export async function setGroupCoupon(
  couponId: string | undefined,
  deps: CouponDeps,
): Promise<Coupon | undefined> {
  let coupon: Coupon | undefined;
  if (couponId) {
    coupon = (await deps.coupons.get(couponId)) ?? (await registerCoupon(couponId, undefined, deps));
    if (coupon.status === 'CLOSED') throw new Error(`coupon ${couponId} is closed`);
  }
  await deps.settings.setGroupCoupon(couponId);
  return coupon;
}
