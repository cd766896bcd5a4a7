import fc from 'fast-check';
import {
  audienceMembers,
  audienceRows,
  type Candidate,
  inUploads,
  InvalidAudienceError,
  parseBelowReach,
  parseGroupIds,
} from '../../lambda/domain/audiences';
import { backoffMs, narrowcastMessages, narrowcastRetryKey } from '../../lambda/domain/narrowcast';
import { defaultTemplates } from '../../lambda/domain/templates';
import { propertyRuns } from '../support/generators';

const iso = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

const candidate: fc.Arbitrary<Candidate> = fc
  .record({
    user: fc.integer({ min: 0, max: 5 }),
    present: fc.boolean(),
    first: fc.integer({ min: 0, max: 100 }),
    absent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    presentAfter: fc.integer({ min: 0, max: 100 }),
    isFriend: fc.option(fc.boolean(), { nil: undefined }),
    friendSince: fc.integer({ min: 0, max: 100 }),
  })
  .map((r) => ({
    userId: `U${String(r.user).padStart(32, '0')}`,
    status: r.present ? 'present' : 'left',
    firstSeenAt: iso(r.first),
    ...(r.absent !== undefined && { absentAt: iso(r.absent) }),
    presentAt: iso(r.first + r.presentAfter),
    ...(r.isFriend !== undefined && { isFriend: r.isFriend }),
    ...(r.isFriend === true && { friendSince: iso(r.friendSince) }),
  }));

describe('who an audience is made of (pure rule)', () => {
  it('only present members, each once; with friends only, never isFriend false or unknown', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 20 }), fc.boolean(), (candidates, friendsOnly) => {
        const ids = audienceMembers(candidates, { friendsOnly });
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) {
          const rows = candidates.filter((c) => c.userId === id);
          expect(rows.some((c) => c.status === 'present' && (!friendsOnly || c.isFriend === true))).toBe(
            true,
          );
        }
        for (const c of candidates)
          if (c.status === 'present' && (!friendsOnly || c.isFriend === true))
            expect(ids).toContain(c.userId);
      }),
      { numRuns: propertyRuns(200, 5000) },
    );
  });

  it('a refresh after any mark adds exactly who the whole audience has and the first upload did not', () => {
    fc.assert(
      fc.property(
        fc.array(candidate, { maxLength: 20 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 200 }),
        (candidates, friendsOnly, mark) => {
          const all = audienceMembers(candidates, { friendsOnly });
          const added = audienceMembers(candidates, { friendsOnly, since: iso(mark) });
          // Never someone the whole rule would not take; everything eligible after the mark is added.
          for (const id of added) expect(all).toContain(id);
          expect(audienceMembers(candidates, { friendsOnly, since: iso(-1) }).sort()).toEqual(
            [...all].sort(),
          );
        },
      ),
      { numRuns: propertyRuns(200, 5000) },
    );
  });

  it('a friend since after the upload is added by the refresh; a rejoin after a leave too', () => {
    const base = { userId: 'U1', status: 'present' as const, firstSeenAt: iso(0) };
    expect(
      audienceMembers([{ ...base, isFriend: true, friendSince: iso(50) }], {
        friendsOnly: true,
        since: iso(10),
      }),
    ).toEqual(['U1']);
    expect(
      audienceMembers([{ ...base, isFriend: true, friendSince: iso(5) }], {
        friendsOnly: true,
        since: iso(10),
      }),
    ).toEqual([]);
    expect(
      audienceMembers([{ ...base, absentAt: iso(20), presentAt: iso(30) }], {
        friendsOnly: false,
        since: iso(10),
      }),
    ).toEqual(['U1']);
    expect(
      audienceMembers([{ ...base, presentAt: iso(30) }], { friendsOnly: false, since: iso(10) }),
    ).toEqual([]);
  });

  it('uploads of at most 10,000 ids, in order, none lost', () => {
    const ids = Array.from({ length: 20_001 }, (_, i) => `U${i}`);
    const uploads = inUploads(ids);
    expect(uploads.map((u) => u.length)).toEqual([10_000, 10_000, 1]);
    expect(uploads.flat()).toEqual(ids);
    expect(inUploads([])).toEqual([]);
  });

  it('origin: line-groups for ours, line for the rest (chat tags)', () => {
    const line = (audienceGroupId: number, type: string) => ({
      audienceGroupId,
      description: 'x',
      type,
      status: 'READY',
      audienceCount: 1,
      createdAt: iso(0),
      createRoute: 'MESSAGING_API',
    });
    const ours = {
      audienceGroupId: 1,
      description: 'x',
      source: { groups: [] },
      friendsOnly: false,
      createdAt: iso(0),
      uploadedUntil: iso(0),
      userCount: 1,
    };
    expect(
      audienceRows([line(1, 'UPLOAD'), line(2, 'CHAT_TAG')], [ours]).map((r) => [r.origin, r.expiresAt]),
    ).toEqual([
      ['line-groups', null],
      ['line', null],
    ]);
  });

  it('flags: --below-reach 0..1, --groups chat ids; anything else a clear error', () => {
    expect(parseBelowReach('0.5')).toBe(0.5);
    expect(parseBelowReach('1')).toBe(1);
    for (const bad of ['2', '-0.1', 'abc', '', '0.5x'])
      expect(() => parseBelowReach(bad)).toThrow(InvalidAudienceError);
    const c = `C${'a'.repeat(32)}`;
    const r = `R${'b'.repeat(32)}`;
    expect(parseGroupIds(` ${c}, ${r},${c}`)).toEqual([c, r]);
    for (const bad of ['', ',', 'C1', `U${'a'.repeat(32)}`])
      expect(() => parseGroupIds(bad)).toThrow(InvalidAudienceError);
  });
});

describe('narrowcast rules', () => {
  it('the retry key is a version-4 UUID, the same for the same campaign and another for another', () => {
    expect(narrowcastRetryKey('a')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(narrowcastRetryKey('a')).toBe(narrowcastRetryKey('a'));
    expect(narrowcastRetryKey('a')).not.toBe(narrowcastRetryKey('b'));
  });

  it('back-off doubles up to its ceiling', () => {
    expect([0, 1, 2, 10].map((n) => backoffMs(n, { firstMs: 1000, maxMs: 5000 }))).toEqual([
      1000, 2000, 4000, 5000,
    ]);
  });

  it('messages: the named template, then the coupon; an unknown template or nothing at all is refused', () => {
    expect(narrowcastMessages(defaultTemplates, { couponId: 'c1' })).toEqual([
      { type: 'coupon', couponId: 'c1' },
    ]);
    expect(narrowcastMessages(defaultTemplates, { couponId: 'c1', template: 'couponText' })).toEqual([
      { type: 'text', text: defaultTemplates.couponText },
      { type: 'coupon', couponId: 'c1' },
    ]);
    expect(narrowcastMessages(defaultTemplates, { template: 'friendCard' })[0]).toMatchObject({
      type: 'flex',
    });
    expect(() => narrowcastMessages(defaultTemplates, { template: 'nope' })).toThrow('no template "nope"');
    expect(narrowcastMessages(defaultTemplates, { template: 'memberWelcome' })[0]).toMatchObject({
      type: 'flex',
    });
    expect(() =>
      narrowcastMessages({ ...defaultTemplates, memberWelcome: null }, { template: 'memberWelcome' }),
    ).toThrow('memberWelcome template is off');
    expect(() => narrowcastMessages(defaultTemplates, {})).toThrow('needs --coupon or --message');
  });
});
