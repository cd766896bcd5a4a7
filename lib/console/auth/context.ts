import type { Auditor } from '../../../lambda/app/audit/audit-log';
import type { Session } from './session';

/** What the console's middleware tells its routes about the request. */
export interface ConsoleEnv {
  Variables: {
    /** Who changes things in this request (the audit trail's actor and role). */
    auditor: Auditor;
    /** Signed in (CONSOLE_AUTH=oidc) with a live session. */
    session?: Session;
    /** What a POST changed, when the route knows better than its path (a created coupon's id). */
    changed?: string;
  };
}
