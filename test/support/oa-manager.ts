/**
 * A coupon made on LINE's side only, as LINE Official Account Manager makes them: the emulator
 * knows it, our coupons table has never seen it.
 */
export async function oaManagerCoupon(emulatorUrl: string, title: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const made = await fetch(`${emulatorUrl}/v2/bot/coupon`, {
    method: 'POST',
    headers: { authorization: 'Bearer local-channel-access-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      title,
      startTimestamp: now - 60,
      endTimestamp: now + 86_400,
      maxUseCountPerTicket: 1,
      acquisitionCondition: { type: 'normal' },
      visibility: 'UNLISTED',
      timezone: 'ASIA_TOKYO',
      reward: { type: 'free' },
    }),
  });
  return ((await made.json()) as { couponId: string }).couponId;
}
