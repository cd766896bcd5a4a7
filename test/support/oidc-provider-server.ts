import { generateKeyPairSync } from 'node:crypto';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A standards-compliant OpenID Connect provider (the `oidc-provider` package) for the console's
 * sign-in tests, run as its own process (the package is ESM only). Its people: a viewer, an
 * operator and someone with no role; the login form (devInteractions) takes the account id.
 * Env: OIDC_PORT, CONSOLE_PUBLIC_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET.
 */
const port = Number(process.env.OIDC_PORT);
const consoleUrl = process.env.CONSOLE_PUBLIC_URL ?? '';
const issuer = `http://127.0.0.1:${port}`;

export const PEOPLE: Record<string, { email: string; groups: string[] }> = {
  viewer: { email: 'viewer@example.com', groups: ['viewer'] },
  operator: { email: 'operator@example.com', groups: ['operator', 'staff'] },
  nobody: { email: 'nobody@example.com', groups: ['staff'] },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID ?? 'console',
      client_secret: process.env.OIDC_CLIENT_SECRET ?? 'console-secret',
      redirect_uris: [new URL('auth/callback', consoleUrl).href],
      post_logout_redirect_uris: [new URL('auth/signed-out', consoleUrl).href],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['oidc-test-cookie-key'] },
  // The default roles claim of the console (Cognito's name for it).
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['cognito:groups'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  // A first-party console: no consent screen.
  async loadExistingGrant(ctx: KoaContextWithOIDC) {
    const client = ctx.oidc.client!;
    const session = ctx.oidc.session!;
    const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  findAccount(_ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return {
      accountId: id,
      claims: () => ({ sub: id, email: person.email, email_verified: true, 'cognito:groups': person.groups }),
    };
  },
});
provider.listen(port, '127.0.0.1');
console.log(`oidc provider ready at ${issuer}`);
