import fc from 'fast-check';
import { applyMemberFact, type Member, type MemberFact } from '../../lambda/domain/members';
import { propertyRuns } from '../support/generators';

const apply = (facts: MemberFact[]) =>
  facts.reduce<Member | undefined>((m, f) => applyMemberFact(m, 'Cgroup', f), undefined);

describe('a member from facts in any order (pure)', () => {
  it('a message and a postback of the same day name the same source in either order (counterexample from CI)', () => {
    const day = '2026-11-22T15:00:00.000Z';
    const message: MemberFact = { userId: 'U1', at: day, kind: 'present', source: 'message' };
    const postback: MemberFact = { userId: 'U1', at: day, kind: 'present', source: 'postback' };
    expect(apply([postback, message])).toEqual(apply([message, postback]));
    expect(apply([postback, message])?.source).toBe('message');
  });

  it('any order of the same facts ends in the same member (property)', () => {
    const fact = fc.record<MemberFact>({
      userId: fc.constant('U1'),
      at: fc.integer({ min: 0, max: 5 }).map((d) => new Date(Date.UTC(2026, 10, 20 + d)).toISOString()),
      kind: fc.constantFrom('present', 'absent'),
      source: fc.constantFrom('memberJoined', 'memberLeft', 'message', 'postback', 'sync'),
    });
    fc.assert(
      fc.property(
        fc
          .array(fact, { minLength: 1, maxLength: 8 })
          .chain((facts) =>
            fc.tuple(fc.constant(facts), fc.shuffledSubarray(facts, { minLength: facts.length })),
          ),
        ([facts, shuffled]) => {
          expect(apply(shuffled)).toEqual(apply(facts));
        },
      ),
      { numRuns: propertyRuns(300, 5000) },
    );
  });
});
