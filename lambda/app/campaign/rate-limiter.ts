/**
 * Spaces requests to at most `perSecond`, shared by every worker of one process, and holds them
 * all back when LINE answers 429 with Retry-After.
 */
export class RateLimiter {
  private next = 0;
  private pausedUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now = () => Date.now(),
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {
    // NaN or 0 would space nothing and, with NaN, ignore every pause (LINE's Retry-After) too.
    if (!(perSecond > 0 && Number.isFinite(perSecond)))
      throw new RangeError(`pushes per second must be above 0, got ${perSecond}`);
  }

  async acquire(): Promise<void> {
    for (;;) {
      const at = Math.max(this.now(), this.next, this.pausedUntil);
      this.next = at + 1000 / this.perSecond;
      const wait = at - this.now();
      if (wait > 0) await this.sleep(wait);
      // A 429 that came while this one waited for its slot holds it back too (then a fresh slot).
      if (this.pausedUntil <= this.now()) return;
    }
  }

  /** Everyone waits until then (LINE's Retry-After, or our back-off). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
