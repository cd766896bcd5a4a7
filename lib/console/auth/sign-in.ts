import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type * as Oidc from 'openid-client';
import { type ConsoleAuth, isLoopback } from './config';
import type { ConsoleEnv } from './context';
import { roleFrom } from './roles';
import { seal, type Session, type SignInAttempt, SIGN_IN_MS, unseal } from './session';
import { signedOutPage, signInFailedPage } from './views';

type OidcAuth = Extract<ConsoleAuth, { mode: 'oidc' }>;

export const SESSION_COOKIE = 'lg_session';
const ATTEMPT_COOKIE = 'lg_sign_in';
/** Sign-in routes answer without a session. */
export const PUBLIC_PATHS = ['/auth/login', '/auth/callback', '/auth/signed-out'];

/**
 * The provider's metadata, discovered once per process (a failure is tried again next time).
 * openid-client is ESM only: loaded when the console signs people in, never otherwise.
 */
function provider(auth: OidcAuth) {
  let discovered: Promise<{ oidc: typeof Oidc; config: Oidc.Configuration }> | undefined;
  return () => {
    discovered ??= (async () => {
      const oidc = await import('openid-client');
      const config = await oidc.discovery(
        auth.issuer,
        auth.clientId,
        auth.clientSecret,
        undefined,
        // Plain http only for a provider on this machine (the tests' own).
        isLoopback(auth.issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      return { oidc, config };
    })().catch((error: unknown) => {
      discovered = undefined;
      throw error;
    });
    return discovered;
  };
}

export function cookieOptions(auth: OidcAuth, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: auth.publicUrl.protocol === 'https:',
    ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
  };
}

/** Keeps (or renews) the session cookie: sealed, HttpOnly, SameSite=Lax, Secure on https. */
export function keepSession(c: Context<ConsoleEnv>, auth: OidcAuth, session: Session) {
  setCookie(c, SESSION_COOKIE, seal(auth.sessionKey, SESSION_COOKIE, session), cookieOptions(auth));
}

export function dropSession(c: Context<ConsoleEnv>, auth: OidcAuth) {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(auth));
}

/** Only our own pages are places to return to after signing in (no open redirect). */
function returnPath(value: string | undefined): string {
  return value && /^\/(?![/\\])/.test(value) ? value : '/';
}

/**
 * The authorization code flow with PKCE: /auth/login sends the person to the provider with a fresh
 * state, nonce and code verifier (kept sealed in a short cookie); /auth/callback has openid-client
 * check the answer (state, ID-token signature, issuer, audience, nonce) and starts the session.
 */
export function signInRoutes(app: Hono<ConsoleEnv>, auth: OidcAuth, now: () => Date) {
  const discover = provider(auth);
  const redirectUri = new URL('auth/callback', auth.publicUrl).href;

  app.get('/auth/login', async (c) => {
    const { oidc, config } = await discover();
    const attempt: SignInAttempt = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo: returnPath(c.req.query('return')),
      startedAt: now().getTime(),
    };
    setCookie(
      c,
      ATTEMPT_COOKIE,
      seal(auth.sessionKey, ATTEMPT_COOKIE, attempt),
      cookieOptions(auth, SIGN_IN_MS / 1000),
    );
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(attempt.codeVerifier),
      code_challenge_method: 'S256',
      state: attempt.state,
      nonce: attempt.nonce,
    });
    return c.redirect(target.href, 302);
  });

  app.get('/auth/callback', async (c) => {
    const attempt = unseal<SignInAttempt>(auth.sessionKey, ATTEMPT_COOKIE, getCookie(c, ATTEMPT_COOKIE));
    deleteCookie(c, ATTEMPT_COOKIE, cookieOptions(auth));
    if (!attempt || now().getTime() - attempt.startedAt > SIGN_IN_MS)
      return c.html(signInFailedPage('サインインの期限が切れました。もう一度お試しください。'), 400);
    const { oidc, config } = await discover();
    // The address the provider sent the person back to, as it knows it (not as a proxy rewrote it).
    const requested = new URL(c.req.url);
    const current = new URL(`${requested.pathname.slice(1)}${requested.search}`, auth.publicUrl);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: attempt.state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // The reason, never the tokens or the code.
      console.error(`console: sign-in refused: ${(error as Error).message}`);
      return c.html(signInFailedPage('プロバイダーの応答を確認できませんでした。'), 400);
    }
    const idClaims = tokens.claims();
    if (!idClaims) return c.html(signInFailedPage('ID トークンがありません。'), 400);
    let claims: Record<string, unknown> = idClaims;
    // Some providers put the email or the roles in userinfo only.
    if ((!(auth.rolesClaim in idClaims) || !idClaims.email) && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims };
    }
    const at = now().getTime();
    const role = roleFrom(claims, auth.rolesClaim);
    keepSession(c, auth, {
      subject: idClaims.sub,
      ...(typeof claims.email === 'string' && { email: claims.email }),
      ...(role && { role }),
      signedInAt: at,
      seenAt: at,
      ...(tokens.id_token && { idToken: tokens.id_token }),
    });
    return c.redirect(attempt.returnTo, 303);
  });

  app.post('/auth/logout', async (c) => {
    const session = c.get('session');
    dropSession(c, auth);
    const signedOut = new URL('auth/signed-out', auth.publicUrl).href;
    const { oidc, config } = await discover();
    // The provider's own session too, when it offers a way (end_session_endpoint, or Cognito's own).
    if (!config.serverMetadata().end_session_endpoint) {
      if (!auth.cognitoLogoutUrl) return c.redirect('/auth/signed-out', 303);
      const logout = new URL(auth.cognitoLogoutUrl);
      logout.searchParams.set('client_id', auth.clientId);
      logout.searchParams.set('logout_uri', signedOut);
      return c.redirect(logout.href, 303);
    }
    const target = oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: signedOut,
      client_id: auth.clientId,
      ...(session?.idToken && { id_token_hint: session.idToken }),
    });
    return c.redirect(target.href, 303);
  });

  app.get('/auth/signed-out', (c) => c.html(signedOutPage()));
}
