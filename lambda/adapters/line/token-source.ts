import { channelAccessToken } from '@line/bot-sdk';

/** Where the Messaging API's bearer token comes from. */
export interface TokenSource {
  token(): Promise<string>;
  /** LINE refused the token (401): the next `token()` gets a new one, if this source can. */
  invalidate(refused: string): boolean;
}

/** A long-lived channel access token, as configured. */
export const staticToken = (token: string): TokenSource => ({
  token: () => Promise.resolve(token),
  invalidate: () => false,
});

export interface StatelessTokenOptions {
  channelId: string;
  channelSecret: string;
  /** LINE's API (https://api.line.me), or the emulator's URL. */
  baseURL?: string;
  now?: () => number;
}

/**
 * Stateless channel access tokens (POST /oauth2/v3/token, client credentials): no standing
 * credential but the channel secret. A token lives 15 minutes; a new one is issued shortly before
 * that (a fifth of its life, at most a minute early), and at once when LINE answers 401. Callers
 * at the same moment share one issue request.
 */
export function statelessTokens(options: StatelessTokenOptions): TokenSource {
  const now = options.now ?? (() => Date.now());
  const client = new channelAccessToken.ChannelAccessTokenClient({
    ...(options.baseURL && { baseURL: options.baseURL }),
  });
  let current: { token: Promise<string>; renewAt: number; value?: string } | undefined;
  const issue = () => {
    const issued = now();
    const token = client
      .issueStatelessChannelTokenByClientSecret(options.channelId, options.channelSecret)
      .then((answer) => {
        const lifeMs = answer.expires_in * 1000;
        if (current?.token === token) {
          current.renewAt = issued + lifeMs - Math.min(60_000, lifeMs / 5);
          current.value = answer.access_token;
        }
        return answer.access_token;
      });
    current = { token, renewAt: Number.POSITIVE_INFINITY };
    token.catch(() => (current = undefined)); // a failed issue is tried again on the next call
    return token;
  };
  return {
    token: () => (current && now() < current.renewAt ? current.token : issue()),
    invalidate(refused) {
      // Only the refused token: calls refused at the same moment share the one issued after it.
      if (current?.value === refused) current = undefined;
      return true;
    },
  };
}
