import { RateLimiter } from '../../lambda/app/campaign/rate-limiter';

/** Time that moves only when every sleeper is waiting: the earliest wakes first. */
function fakeClock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    /** Runs until everyone is done, advancing time from one wake-up to the next. */
    async run<T>(work: Promise<T>): Promise<T> {
      let finished = false;
      void work.finally(() => (finished = true));
      for (;;) {
        await settle();
        if (finished) return work;
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift();
        if (!next) throw new Error('deadlock: nobody is sleeping and the work is not done');
        now = Math.max(now, next.at);
        next.wake();
      }
    },
  };
}

describe('RateLimiter', () => {
  it('spaces requests to the rate, across workers', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock.now, clock.sleep);
    const at: number[] = [];
    const worker = async () => {
      for (let i = 0; i < 3; i++) {
        await limiter.acquire();
        at.push(clock.now());
      }
    };
    await clock.run(Promise.all([worker(), worker()]));
    expect(at).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it("a pause (LINE's 429 Retry-After) holds back every worker until it ends, then spacing resumes", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock.now, clock.sleep);
    const at: Record<string, number[]> = { a: [], b: [] };
    const worker = async (name: 'a' | 'b') => {
      for (let i = 0; i < 3; i++) {
        await limiter.acquire();
        at[name]!.push(clock.now());
        // Worker a's second request is answered 429 with Retry-After: 2.
        if (name === 'a' && i === 1) limiter.pause(2000);
      }
    };
    await clock.run(Promise.all([worker('a'), worker('b')]));
    // a: 0, 200 (then the 429 at 200); b: 100, then it too waits until 2200.
    expect(at.a!.slice(0, 2)).toEqual([0, 200]);
    expect(at.b![0]).toBe(100);
    const afterPause = [...at.a!.slice(2), ...at.b!.slice(1)].sort((x, y) => x - y);
    expect(afterPause).toEqual([2200, 2300, 2400]);
  });

  it('a shorter pause never cuts a longer one short', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1000, clock.now, clock.sleep);
    limiter.pause(3000);
    limiter.pause(500);
    await clock.run(limiter.acquire());
    expect(clock.now()).toBe(3000);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a rate of %p (it spaces nothing; NaN would also ignore every pause)',
    (rate) => {
      expect(() => new RateLimiter(rate)).toThrow(RangeError);
    },
  );
});
