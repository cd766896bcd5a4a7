import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { LineApiError, NotAMemberError, NotAvailableError } from '../../app/errors';

export { LineApiError };
import type {
  ChatLeaver,
  ChatSummary,
  PeopleApi,
  CouponApi,
  LineLookups,
  PushSender,
  ReplySender,
} from '../../app/ports';
import type { ChatType } from '../../domain/group';
import type { Message } from '../../domain/messages';
import { staticToken, type TokenSource } from './token-source';

export interface LineApiOptions {
  /** A long-lived token; or `tokens`, a source that may renew them (stateless tokens). */
  channelAccessToken?: string;
  tokens?: TokenSource;
  /** `https://api.line.me` in production; the local emulator's URL in `npm start` and tests. */
  baseURL?: string;
  /** How long a message, coupon, quota or leave call (its token included) may take; LINE_CALL_TIMEOUT_MS by default. */
  timeoutMs?: number;
}

/**
 * LINE answers in well under a second. The SDK (v11, plain `fetch`) takes no timeout or abort
 * signal, so calls are raced against this: a reply to a LINE that hangs must not hold the
 * processor to its own timeout, with the batch behind it. The group lookups are bounded by their
 * callers instead, which wait as long as they can afford (LINE_LOOKUP_TIMEOUT_MS at a join,
 * ENRICHMENT_TIMEOUT_MS in the sweep).
 */
export const LINE_CALL_TIMEOUT_MS = 5_000;

/** LINE gave no answer in time: it may or may not have acted (a push's retry key makes retrying safe). */
export class LineTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`LINE did not answer within ${timeoutMs} ms`);
    this.name = 'LineTimeoutError';
  }
}

function withinTime<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LineTimeoutError(ms)), ms);
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

/** LINE answers 403 or 404 about a chat the OA is not in. */
const isNotAMember = (error: unknown) =>
  error instanceof HTTPFetchError && (error.status === 403 || error.status === 404);

export function toLineApiError(error: unknown): unknown {
  if (!(error instanceof HTTPFetchError)) return error;
  let message = error.body;
  try {
    message = (JSON.parse(error.body) as { message?: string }).message ?? error.body;
  } catch {
    // LINE's errors are JSON; anything else is kept as text.
  }
  const retryAfter = Number(error.headers.get('retry-after'));
  return new LineApiError(
    error.status,
    `LINE answered ${error.status}: ${message}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    error.headers.get('x-line-accepted-request-id') ?? undefined,
    message,
  );
}

/** The Messaging API through LINE's own SDK, with LINE's error codes turned into ours. */
export class LineApi implements LineLookups, ReplySender, PushSender, ChatLeaver, CouponApi, PeopleApi {
  private readonly tokens: TokenSource;
  /** The SDK's client for the token in use (rebuilt when the token changes: the SDK fixes it). */
  private client?: { token: string; api: messagingApi.MessagingApiClient };

  constructor(private readonly options: LineApiOptions) {
    if (!options.tokens && !options.channelAccessToken)
      throw new Error('LineApi needs a token or a token source');
    this.tokens = options.tokens ?? staticToken(options.channelAccessToken ?? '');
  }

  /** Runs a request with the current token; on 401 once more with a new one, if the source can issue. */
  private with<T>(
    request: (api: messagingApi.MessagingApiClient) => Promise<T>,
    timeout: 'bounded' | 'by the caller' = 'bounded',
  ): Promise<T> {
    const call = this.withToken(request);
    return timeout === 'bounded' ? withinTime(call, this.options.timeoutMs ?? LINE_CALL_TIMEOUT_MS) : call;
  }

  private async withToken<T>(request: (api: messagingApi.MessagingApiClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.token();
      if (this.client?.token !== token) {
        this.client = {
          token,
          api: new messagingApi.MessagingApiClient({
            channelAccessToken: token,
            ...(this.options.baseURL && { baseURL: this.options.baseURL }),
          }),
        };
      }
      try {
        return await request(this.client.api);
      } catch (error) {
        const refused = error instanceof HTTPFetchError && error.status === 401;
        if (!refused || attempt > 1 || !this.tokens.invalidate(token)) throw error;
      }
    }
  }

  async getSummary(chatType: ChatType, groupId: string): Promise<ChatSummary | undefined> {
    if (chatType === 'room') return undefined;
    const summary = await this.call(groupId, (api) => api.getGroupSummary(groupId), 'by the caller');
    return { groupName: summary.groupName, ...(summary.pictureUrl && { pictureUrl: summary.pictureUrl }) };
  }

  async getMemberCount(chatType: ChatType, groupId: string): Promise<number> {
    const { count } = await this.call(
      groupId,
      (api) => (chatType === 'room' ? api.getRoomMemberCount(groupId) : api.getGroupMemberCount(groupId)),
      'by the caller',
    );
    return count;
  }

  /** Makes the OA leave the chat; LINE then sends a `leave` webhook. */
  async leave(chatType: ChatType, groupId: string): Promise<void> {
    await this.call(groupId, (api) =>
      chatType === 'room' ? api.leaveRoom(groupId) : api.leaveGroup(groupId),
    );
  }

  async reply(replyToken: string, messages: Message[]): Promise<void> {
    await this.send((api) => api.replyMessage({ replyToken, messages: messages as messagingApi.Message[] }));
  }

  /** A push LINE accepts at most once per `retryKey` (a UUID), so retrying it is safe. */
  async push(to: string, messages: Message[], retryKey: string): Promise<void> {
    await this.send((api) => api.pushMessage({ to, messages: messages as messagingApi.Message[] }, retryKey));
  }

  /** This month's push allowance left, or undefined when the plan has no limit. */
  async remainingQuota(): Promise<number | undefined> {
    const [quota, used] = await Promise.all([
      this.send((api) => api.getMessageQuota()),
      this.send((api) => api.getMessageQuotaConsumption()),
    ]);
    return quota.type === 'limited' ? (quota.value ?? 0) - used.totalUsage : undefined;
  }

  /** A member's profile, friend or not; 404 (not in the chat) is NotAMemberError. */
  async memberProfile(chatType: ChatType, groupId: string, userId: string): Promise<{ displayName: string }> {
    const profile = await this.call(groupId, (api) =>
      chatType === 'room'
        ? api.getRoomMemberProfile(groupId, userId)
        : api.getGroupMemberProfile(groupId, userId),
    );
    return { displayName: profile.displayName };
  }

  /** LINE's profile API answers 404 to anyone not a friend (or who blocked the OA, or never consented). */
  async isFriend(userId: string): Promise<boolean> {
    try {
      await this.send((api) => api.getProfile(userId));
      return true;
    } catch (error) {
      if (error instanceof LineApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** The chat's member ids, 100 a page; a 429 waits (Retry-After, else back-off) and asks again. */
  async *memberIds(chatType: ChatType, groupId: string): AsyncIterable<string[]> {
    let start: string | undefined;
    do {
      const page = await this.withBackoff(() =>
        this.send((api) =>
          chatType === 'room'
            ? api.getRoomMembersIds(groupId, start)
            : api.getGroupMembersIds(groupId, start),
        ),
      ).catch((error: unknown) => {
        if (error instanceof LineApiError && error.status === 403) throw new NotAvailableError('members/ids');
        if (error instanceof LineApiError && error.status === 404) throw new NotAMemberError(groupId, 404);
        throw error;
      });
      yield page.memberIds;
      start = page.next;
    } while (start);
  }

  private async withBackoff<T>(request: () => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof LineApiError && error.status === 429) || attempt >= attempts) throw error;
        const wait = error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 200 * 2 ** attempt;
        await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random() / 2)));
      }
    }
  }

  createCoupon(request: messagingApi.CouponCreateRequest): Promise<messagingApi.CouponCreateResponse> {
    return this.send((api) => api.createCoupon(request));
  }

  getCoupon(couponId: string): Promise<messagingApi.CouponResponse> {
    return this.send((api) => api.getCouponDetail(couponId));
  }

  async closeCoupon(couponId: string): Promise<void> {
    await this.send((api) => api.closeCoupon(couponId));
  }

  private async send<T>(request: (api: messagingApi.MessagingApiClient) => Promise<T>): Promise<T> {
    try {
      return await this.with(request);
    } catch (error) {
      throw toLineApiError(error);
    }
  }

  private async call<T>(
    groupId: string,
    request: (api: messagingApi.MessagingApiClient) => Promise<T>,
    timeout?: 'by the caller',
  ): Promise<T> {
    try {
      return await this.with(request, timeout);
    } catch (error) {
      if (isNotAMember(error)) throw new NotAMemberError(groupId, (error as HTTPFetchError).status);
      throw error;
    }
  }
}
