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
  ) {}

  async acquire(): Promise<void> {
    const at = Math.max(this.now(), this.next, this.pausedUntil);
    this.next = at + 1000 / this.perSecond;
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
  }

  /** Everyone waits until then (LINE's Retry-After, or our back-off). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
