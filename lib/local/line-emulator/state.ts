import { randomUUID } from 'node:crypto';
import { type AudienceOptions, Audiences } from './audiences';
import { People } from './people';

/** A chat as the emulated LINE platform knows it. */
export interface EmulatedChat {
  chatType: 'group' | 'room';
  groupName: string;
  pictureUrl?: string;
  memberCount: number;
  /** False once the OA left or was never let in (another official account was there first). */
  isMember: boolean;
  /** When the OA last joined (the join event's timestamp, ms), as the simulator told it. */
  joinedAt?: number;
  /** The OA left through the API and LINE still owes the chat's leave event (the simulator sends it). */
  leaveEventDue?: boolean;
}

/** Every message the bot got through to LINE, as a conversation log. */
export interface SentMessage {
  sequence: number;
  at: string;
  via: 'reply' | 'push' | 'narrowcast';
  /** The chat (or user) it reached; for replies, the chat the reply token was issued for. */
  to: string;
  messages: Record<string, unknown>[];
  retryKey?: string;
}

/** Injected failures: the next `count` matching requests answer `status` (or hang for `delayMs`). */
export interface Fault {
  /** Matched against "METHOD /path", e.g. "POST /v2/bot/message/push". Substring match. */
  match: string;
  /** Only requests whose body is addressed `to` this chat (a push to one group). */
  to?: string;
  status?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  count: number;
}

export interface EmulatorOptions {
  /** The long-lived token it accepts; none when the bot must use issued (stateless) tokens. */
  channelAccessToken?: string;
  /** The channel that may issue stateless tokens (POST /oauth2/v3/token) with its secret. */
  channelId?: string;
  channelSecret?: string;
  /** Lifetime of an issued token; LINE's is 15 minutes. */
  statelessTokenTtlSeconds?: number;
  /** Requests per second allowed per endpoint; undefined means unlimited. */
  rateLimitPerSecond?: number;
  /** Monthly message quota (pushes count, replies do not). */
  monthlyQuota?: number;
  /** How long a reply token lives, LINE documents about a minute. */
  replyTokenTtlMs?: number;
  /** Audiences and narrowcasts: how fast they go (see audiences.ts). */
  audiences?: AudienceOptions;
}

export class EmulatorState {
  readonly chats = new Map<string, EmulatedChat>();
  readonly sent: SentMessage[] = [];
  readonly faults: Fault[] = [];
  /** replyToken -> chat it was issued for and when it expires; deleted when used. */
  readonly replyTokens = new Map<string, { to: string; expiresAt: number }>();
  /** X-Line-Retry-Key -> the request id it answered, so a retried push is accepted once. */
  readonly retryKeys = new Map<string, string>();
  /** Every Messaging API request received, for contract tests. */
  readonly requests: {
    method: string;
    path: string;
    headers: Record<string, unknown>;
    body: Record<string, unknown>;
  }[] = [];
  /** Stateless tokens issued, with when each expires. */
  readonly issuedTokens = new Map<string, number>();
  tokensIssued = 0;
  /** Coupons created through the API, by couponId. */
  readonly coupons = new Map<string, Record<string, unknown>>();
  quotaConsumed = 0;
  /** This month's message quota now (PUT /emulator/quota changes it, as a plan upgrade would). */
  monthlyQuota: number | undefined;
  /** Friendships and who is in which chat (PUT /emulator/friends/…, /emulator/chats/…/members/…). */
  readonly people = new People();
  /** A verified or premium account may list members and followers; most accounts are neither. */
  verified = false;
  /** Audiences (uploaded, or OA Manager's chat tags) and the narrowcasts sent to them. */
  readonly audiences: Audiences;
  private sequence = 0;

  constructor(readonly options: EmulatorOptions) {
    this.monthlyQuota = options.monthlyQuota;
    this.audiences = new Audiences(options.audiences);
  }

  /** A chat the emulator does not know yet is a small group the OA is in, so anything can be tried. */
  chat(groupId: string): EmulatedChat {
    let chat = this.chats.get(groupId);
    if (!chat) {
      const chatType = groupId.startsWith('R') ? 'room' : 'group';
      chat = {
        chatType,
        groupName: `${chatType === 'room' ? 'Room' : 'Group'} ${groupId.slice(-6)}`,
        memberCount: 3,
        isMember: true,
      };
      this.chats.set(groupId, chat);
    }
    return chat;
  }

  issueReplyToken(to: string): string {
    const token = randomUUID().replace(/-/g, '');
    this.replyTokens.set(token, { to, expiresAt: Date.now() + (this.options.replyTokenTtlMs ?? 60_000) });
    return token;
  }

  record(entry: Omit<SentMessage, 'sequence' | 'at'>): SentMessage {
    const message = { ...entry, sequence: ++this.sequence, at: new Date().toISOString() };
    this.sent.push(message);
    return message;
  }

  /** The first fault matching this request, consumed. */
  takeFault(request: string, to?: unknown): Fault | undefined {
    const fault = this.faults.find(
      (f) => f.count > 0 && request.includes(f.match) && (f.to === undefined || f.to === to),
    );
    if (fault) fault.count -= 1;
    return fault;
  }

  reset(): void {
    this.chats.clear();
    this.sent.length = 0;
    this.faults.length = 0;
    this.replyTokens.clear();
    this.retryKeys.clear();
    this.coupons.clear();
    this.requests.length = 0;
    this.quotaConsumed = 0;
    this.monthlyQuota = this.options.monthlyQuota;
    this.issuedTokens.clear();
    this.tokensIssued = 0;
    this.people.reset();
    this.verified = false;
    this.audiences.reset();
  }
}
