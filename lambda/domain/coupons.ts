/** A LINE coupon as we keep it in the coupons table: what we need to send it. */
export interface Coupon {
  couponId: string;
  title: string;
  /** Validity, ISO-8601 UTC. */
  startsAt: string;
  endsAt: string;
  /** LINE's coupon status when we last looked (DRAFT, RUNNING, CLOSED). */
  status: 'DRAFT' | 'RUNNING' | 'CLOSED';
  /** A word members can say in a group to get this coupon (besides the group coupon's keywords). */
  keyword?: string;
  createdAt: string;
}

/** Sendable at `at`: running and within its validity period. */
export function isCouponAvailable(coupon: Coupon | undefined, at: string): coupon is Coupon {
  return coupon !== undefined && coupon.status === 'RUNNING' && coupon.startsAt <= at && at < coupon.endsAt;
}

/** NFKC folds full-width and half-width forms (ｸｰﾎﾟﾝ, ＣＯＵＰＯＮ), so members can type it any way. */
export const normalizeText = (text: string) => text.normalize('NFKC').toLowerCase();

export function containsKeyword(text: string, keywords: readonly string[]): boolean {
  const normalized = normalizeText(text);
  return keywords.some((k) => k.trim() !== '' && normalized.includes(normalizeText(k.trim())));
}
