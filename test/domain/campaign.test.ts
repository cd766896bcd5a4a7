import { InvalidTuningError, parseCampaignTuning } from '../../lambda/domain/campaign';

// One rule for `campaign --rate/--concurrency` and the console's form.
describe('parseCampaignTuning', () => {
  it.each([
    [
      { rate: '1000', concurrency: '16' },
      { pushesPerSecond: 1000, concurrency: 16 },
    ],
    [
      { rate: '0.5', concurrency: '1' },
      { pushesPerSecond: 0.5, concurrency: 1 },
    ],
    [
      { rate: ' 2000 ', concurrency: '256' },
      { pushesPerSecond: 2000, concurrency: 256 },
    ],
  ])('accepts %j', (input, tuning) => {
    expect(parseCampaignTuning(input)).toEqual(tuning);
  });

  it.each([
    ['rate', { rate: 'abc', concurrency: '16' }],
    ['rate', { rate: '-5', concurrency: '16' }],
    ['rate', { rate: '0', concurrency: '16' }],
    ['rate', { rate: '', concurrency: '16' }],
    ['rate', { rate: '0x10', concurrency: '16' }],
    ['rate', { rate: '2001', concurrency: '16' }],
    ['concurrency', { rate: '100', concurrency: '0' }],
    ['concurrency', { rate: '100', concurrency: 'abc' }],
    ['concurrency', { rate: '100', concurrency: '-5' }],
    ['concurrency', { rate: '100', concurrency: '2.5' }],
    ['concurrency', { rate: '100', concurrency: '257' }],
  ])('refuses a bad %s: %j', (field, input) => {
    const error = (() => {
      try {
        parseCampaignTuning(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidTuningError);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(new RegExp(`^${field} must be .* \\(got ".*"\\)$`));
  });
});
