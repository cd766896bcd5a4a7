import { LineApiError } from '../../lambda/app/errors';

// LINE's 429 means three things and only its message tells them apart; its 403 means two.
const answered = (status: number, lineMessage: string, retryAfterSeconds?: number) =>
  new LineApiError(
    status,
    `LINE answered ${status}: ${lineMessage}`,
    retryAfterSeconds,
    undefined,
    lineMessage,
  );

describe('LineApiError', () => {
  it('the monthly limit: never worth retrying', () => {
    const error = answered(429, 'You have reached your monthly limit.');
    expect(error.tooManyRequests).toBe('monthly_limit');
    expect(error.isTransient).toBe(false);
  });

  it('the rate limit, by its message or by Retry-After: retried', () => {
    expect(answered(429, 'The API rate limit has been exceeded. Try again later.').tooManyRequests).toBe(
      'rate_limit',
    );
    expect(answered(429, 'Injected failure', 1).tooManyRequests).toBe('rate_limit');
    expect(answered(429, 'The API rate limit has been exceeded. Try again later.').isTransient).toBe(true);
  });

  it('any other 429 (a narrowcast holding the quota, say): retried, a bounded number of times by the caller', () => {
    const error = answered(429, 'Too many requests');
    expect(error.tooManyRequests).toBe('other');
    expect(error.isTransient).toBe(true);
  });

  it('not a 429: no kind; 5xx transient, 4xx final', () => {
    expect(answered(500, 'Internal error').tooManyRequests).toBeUndefined();
    expect(answered(500, 'Internal error').isTransient).toBe(true);
    expect(answered(400, 'The request body has 1 error(s)').isTransient).toBe(false);
  });

  it("a push's 403/404 means the OA is not in the chat, unless the plan lacks the API", () => {
    expect(answered(403, 'The bot is not a member of the chat').isNotAMember).toBe(true);
    expect(answered(404, 'Not found').isNotAMember).toBe(true);
    expect(answered(403, 'Access to this API is not available for your account').isNotAMember).toBe(false);
    expect(answered(400, 'Invalid').isNotAMember).toBe(false);
  });
});
