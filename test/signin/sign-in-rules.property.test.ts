import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { auditDetails, auditMonths } from '../../lambda/domain/audit';
import { roleFrom } from '../../lib/console/auth/roles';
import {
  isLive,
  seal,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  type Session,
  unseal,
} from '../../lib/console/auth/session';
import { propertyRuns } from '../support/generators';

const runs = { numRuns: propertyRuns(200, 5000) };
const key = randomBytes(32);
const session = fc.record({
  subject: fc.string({ minLength: 1 }),
  email: fc.emailAddress(),
  role: fc.constantFrom('viewer' as const, 'operator' as const),
  signedInAt: fc.integer({ min: 0, max: 2 ** 42 }),
  seenAt: fc.integer({ min: 0, max: 2 ** 42 }),
});

describe('the session cookie', () => {
  it('opens to what was sealed, with the same key and name only', () => {
    fc.assert(
      fc.property(session, (s) => {
        const sealed = seal(key, 'lg_session', s);
        expect(unseal(key, 'lg_session', sealed)).toEqual(s);
        expect(unseal(randomBytes(32), 'lg_session', sealed)).toBeUndefined();
        // One cookie cannot stand in for another (the sign-in attempt's).
        expect(unseal(key, 'lg_sign_in', sealed)).toBeUndefined();
      }),
      runs,
    );
  });

  it('any change to a sealed cookie opens to nothing', () => {
    fc.assert(
      fc.property(session, fc.nat(), fc.integer({ min: 1, max: 255 }), (s, at, flip) => {
        const bytes = Buffer.from(seal(key, 'lg_session', s));
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ flip;
        const changed = bytes.toString();
        // Base64url has no padding bits we ignore except in a last character: opened, it is the same.
        const opened = unseal<Session>(key, 'lg_session', changed);
        if (opened !== undefined) expect(opened).toEqual(s);
      }),
      runs,
    );
    // Cut, or anything at all, is no session.
    fc.assert(
      fc.property(fc.string(), (text) => expect(unseal(key, 'lg_session', text)).toBeUndefined()),
      runs,
    );
  });

  it('is live exactly while seen within 8 hours and signed in within 12', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2 ** 40, max: 2 ** 41 }),
        fc.integer({ min: 0, max: 2 * SESSION_MAX_MS }),
        fc.integer({ min: 0, max: 2 * SESSION_MAX_MS }),
        (now, idle, age) => {
          const s: Session = { subject: 's', signedInAt: now - Math.max(age, idle), seenAt: now - idle };
          expect(isLive(s, now)).toBe(idle <= SESSION_IDLE_MS && Math.max(age, idle) <= SESSION_MAX_MS);
        },
      ),
      runs,
    );
  });
});

describe('the roles claim', () => {
  it('operator wins over viewer; a list or a string of names; anything else is no role', () => {
    const names = fc.array(fc.constantFrom('operator', 'viewer', 'staff', 'Operator', 'admin'), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(names, fc.boolean(), (list, asString) => {
        const expected = list.includes('operator')
          ? 'operator'
          : list.includes('viewer')
            ? 'viewer'
            : undefined;
        const claims = { roles: asString ? list.join(', ') : list };
        expect(roleFrom(claims, 'roles')).toBe(expected);
        expect(roleFrom(claims, 'cognito:groups')).toBeUndefined();
      }),
      runs,
    );
    expect(roleFrom({ roles: { operator: true } }, 'roles')).toBeUndefined();
    expect(roleFrom({ roles: [1, 'viewer'] }, 'roles')).toBe('viewer');
  });
});

describe('the audit trail', () => {
  it('the months of a span cover every instant in it, newest first, each once', () => {
    const time = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });
    fc.assert(
      fc.property(time, time, time, (a, b, c) => {
        const [since, at, until] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        const months = auditMonths(new Date(since), new Date(until));
        expect(months).toContain(new Date(at).toISOString().slice(0, 7));
        expect([...months].sort().reverse()).toEqual(months);
        expect(new Set(months).size).toBe(months.length);
      }),
      runs,
    );
  });

  it('details are short strings, and only what was given', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(undefined))),
        (fields) => {
          const details = auditDetails(fields);
          for (const [k, v] of Object.entries(details)) {
            expect(v.length).toBeLessThanOrEqual(201);
            expect(String(fields[k]).startsWith(v.replace(/…$/, ''))).toBe(true);
          }
        },
      ),
      runs,
    );
  });
});
