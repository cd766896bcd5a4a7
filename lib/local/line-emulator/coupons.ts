import type { ErrorDetail } from '../../../lambda/domain/messages';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

const REWARD_TYPES = ['cashBack', 'discount', 'free', 'gift', 'others'];

/** LINE's checks on CouponCreateRequest (messaging-api.yml), reported in LINE's error format. */
export function validateCouponCreate(body: Json): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const fail = (property: string, message: string) => details.push({ property, message });
  const condition = body.acquisitionCondition;
  if (!isObject(condition) || !['normal', 'lottery'].includes(condition.type as string)) {
    fail('acquisitionCondition.type', 'Must be one of the following values: [normal, lottery]');
  } else if (condition.type === 'lottery') {
    const p = condition.lotteryProbability;
    if (!isInt(p) || p < 1 || p > 99)
      fail('acquisitionCondition.lotteryProbability', 'Must be between 1 and 99');
    if (!isInt(condition.maxAcquireCount)) fail('acquisitionCondition.maxAcquireCount', 'Must not be null');
  }
  if (typeof body.title !== 'string' || body.title.length < 1 || body.title.length > 60) {
    fail('title', 'Length must be between 1 and 60');
  }
  if (!isInt(body.startTimestamp)) fail('startTimestamp', 'Must not be null');
  if (!isInt(body.endTimestamp)) fail('endTimestamp', 'Must not be null');
  else if (isInt(body.startTimestamp) && body.endTimestamp <= body.startTimestamp) {
    fail('endTimestamp', 'Must be after startTimestamp');
  }
  if (
    !isInt(body.maxUseCountPerTicket) ||
    body.maxUseCountPerTicket > 1 ||
    (body.maxUseCountPerTicket < 1 && body.maxUseCountPerTicket !== -1)
  ) {
    fail('maxUseCountPerTicket', 'Must be 1 or -1');
  }
  if (!['UNLISTED', 'PUBLIC'].includes(body.visibility as string)) {
    fail('visibility', 'Must be one of the following values: [UNLISTED, PUBLIC]');
  }
  if (typeof body.timezone !== 'string' || !/^[A-Z_]+(_(MINUS|PLUS)_\d+)?$/.test(body.timezone)) {
    fail('timezone', 'Must be a timezone such as ASIA_TOKYO');
  }
  if (
    body.description !== undefined &&
    (typeof body.description !== 'string' || body.description.length > 1000)
  ) {
    fail('description', 'Length must be between 0 and 1000');
  }
  if (
    body.usageCondition !== undefined &&
    (typeof body.usageCondition !== 'string' || body.usageCondition.length > 100)
  ) {
    fail('usageCondition', 'Length must be between 0 and 100');
  }
  if (
    body.reward !== undefined &&
    (!isObject(body.reward) || !REWARD_TYPES.includes(body.reward.type as string))
  ) {
    fail('reward.type', `Must be one of the following values: [${REWARD_TYPES.join(', ')}]`);
  }
  return details;
}

export type CouponStatus = 'DRAFT' | 'RUNNING' | 'CLOSED';

/** A coupon's status now: closed by the operator, or by its validity period. */
export function couponStatus(coupon: Json, nowSeconds = Date.now() / 1000): CouponStatus {
  if (coupon.closed === true || (coupon.endTimestamp as number) <= nowSeconds) return 'CLOSED';
  return (coupon.startTimestamp as number) > nowSeconds ? 'DRAFT' : 'RUNNING';
}
