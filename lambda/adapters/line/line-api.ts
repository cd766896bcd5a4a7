import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { LineApiError, NotAMemberError } from '../../app/errors';

export { LineApiError };
import type {
  ChatLeaver,
  ChatSummary,
  CouponApi,
  LineLookups,
  PushSender,
  ReplySender,
} from '../../app/ports';
import type { ChatType } from '../../domain/group';
import type { Message } from '../../domain/messages';

export interface LineApiOptions {
  channelAccessToken: string;
  /** `https://api.line.me` in production; the local emulator's URL in `npm start` and tests. */
  baseURL?: string;
}

/** LINE answers 403 or 404 about a chat the OA is not in. */
const isNotAMember = (error: unknown) =>
  error instanceof HTTPFetchError && (error.status === 403 || error.status === 404);

function toLineApiError(error: unknown): unknown {
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
  );
}

/** The Messaging API through LINE's own SDK, with LINE's error codes turned into ours. */
export class LineApi implements LineLookups, ReplySender, PushSender, ChatLeaver, CouponApi {
  readonly client: messagingApi.MessagingApiClient;

  constructor(options: LineApiOptions) {
    this.client = new messagingApi.MessagingApiClient({
      channelAccessToken: options.channelAccessToken,
      ...(options.baseURL && { baseURL: options.baseURL }),
    });
  }

  async getSummary(chatType: ChatType, groupId: string): Promise<ChatSummary | undefined> {
    if (chatType === 'room') return undefined;
    const summary = await this.call(groupId, () => this.client.getGroupSummary(groupId));
    return { groupName: summary.groupName, ...(summary.pictureUrl && { pictureUrl: summary.pictureUrl }) };
  }

  async getMemberCount(chatType: ChatType, groupId: string): Promise<number> {
    const { count } = await this.call(groupId, () =>
      chatType === 'room'
        ? this.client.getRoomMemberCount(groupId)
        : this.client.getGroupMemberCount(groupId),
    );
    return count;
  }

  /** Makes the OA leave the chat; LINE then sends a `leave` webhook. */
  async leave(chatType: ChatType, groupId: string): Promise<void> {
    await this.call(groupId, () =>
      chatType === 'room' ? this.client.leaveRoom(groupId) : this.client.leaveGroup(groupId),
    );
  }

  async reply(replyToken: string, messages: Message[]): Promise<void> {
    await this.send(() =>
      this.client.replyMessage({ replyToken, messages: messages as messagingApi.Message[] }),
    );
  }

  /** A push LINE accepts at most once per `retryKey` (a UUID), so retrying it is safe. */
  async push(to: string, messages: Message[], retryKey: string): Promise<void> {
    await this.send(() =>
      this.client.pushMessage({ to, messages: messages as messagingApi.Message[] }, retryKey),
    );
  }

  /** This month's push allowance left, or undefined when the plan has no limit. */
  async remainingQuota(): Promise<number | undefined> {
    const [quota, used] = await Promise.all([
      this.send(() => this.client.getMessageQuota()),
      this.send(() => this.client.getMessageQuotaConsumption()),
    ]);
    return quota.type === 'limited' ? (quota.value ?? 0) - used.totalUsage : undefined;
  }

  createCoupon(request: messagingApi.CouponCreateRequest): Promise<messagingApi.CouponCreateResponse> {
    return this.send(() => this.client.createCoupon(request));
  }

  getCoupon(couponId: string): Promise<messagingApi.CouponResponse> {
    return this.send(() => this.client.getCouponDetail(couponId));
  }

  async closeCoupon(couponId: string): Promise<void> {
    await this.send(() => this.client.closeCoupon(couponId));
  }

  private async send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toLineApiError(error);
    }
  }

  private async call<T>(groupId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (isNotAMember(error)) throw new NotAMemberError(groupId, (error as HTTPFetchError).status);
      throw error;
    }
  }
}
