import { HTTPFetchError, manageAudience, messagingApi } from '@line/bot-sdk';
import type { AudienceApi, NarrowcastAccepted, NarrowcastApi } from '../../app/audiences/ports';
import { LineApiError } from '../../app/errors';
import type { LineAudience, NarrowcastProgress } from '../../domain/audiences';
import type { Message } from '../../domain/messages';
import { LINE_CALL_TIMEOUT_MS, type LineApiOptions, LineTimeoutError, toLineApiError } from './line-api';
import { staticToken, type TokenSource } from './token-source';

/** LINE's page of audiences at most (manage-audience.yml: size max 40). */
const AUDIENCE_PAGE = 40;

const isoFromSeconds = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

function lineAudience(group: manageAudience.AudienceGroup & { expireTimestamp?: number }): LineAudience {
  const expiresAt = isoFromSeconds(group.expireTimestamp);
  return {
    audienceGroupId: group.audienceGroupId ?? 0,
    description: group.description ?? '',
    type: group.type ?? 'UPLOAD',
    status: group.status ?? 'IN_PROGRESS',
    audienceCount: group.audienceCount ?? 0,
    createdAt: isoFromSeconds(group.created) ?? new Date(0).toISOString(),
    ...(expiresAt && { expiresAt }),
    createRoute: group.createRoute ?? 'MESSAGING_API',
  };
}

/** LINE answers 400 "audience group not found" for an id it does not know (manage-audience.yml). */
const isNotFound = (error: unknown) =>
  error instanceof LineApiError && (error.status === 404 || /not found/i.test(error.lineMessage ?? ''));

/**
 * Audiences (manage-audience.yml) and narrowcasts (messaging-api.yml) through LINE's SDK, with the
 * same tokens, timeout and errors as `LineApi`.
 */
export class LineAudienceApi implements AudienceApi, NarrowcastApi {
  private readonly tokens: TokenSource;
  private clients?: {
    token: string;
    audience: manageAudience.ManageAudienceClient;
    messaging: messagingApi.MessagingApiClient;
  };

  constructor(private readonly options: LineApiOptions) {
    if (!options.tokens && !options.channelAccessToken)
      throw new Error('LineAudienceApi needs a token or a token source');
    this.tokens = options.tokens ?? staticToken(options.channelAccessToken ?? '');
  }

  async listAudiences(): Promise<LineAudience[]> {
    const all: LineAudience[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.send(({ audience }) =>
        audience.getAudienceGroups(page, undefined, undefined, AUDIENCE_PAGE),
      );
      all.push(...(answer.audienceGroups ?? []).map(lineAudience));
      if (!answer.hasNextPage) return all;
    }
  }

  async getAudience(audienceGroupId: number): Promise<LineAudience | undefined> {
    try {
      const { audienceGroup } = await this.send(({ audience }) => audience.getAudienceData(audienceGroupId));
      return audienceGroup && lineAudience(audienceGroup);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async createAudience(description: string, userIds: string[]): Promise<LineAudience> {
    const created = await this.send(({ audience }) =>
      audience.createAudienceGroup({
        description,
        isIfaAudience: false,
        uploadDescription: 'line-groups',
        audiences: userIds.map((id) => ({ id })),
      }),
    );
    return lineAudience({ ...created, status: 'IN_PROGRESS', audienceCount: userIds.length });
  }

  async addToAudience(audienceGroupId: number, userIds: string[], uploadDescription: string): Promise<void> {
    await this.send(({ audience }) =>
      audience.addAudienceToAudienceGroup({
        audienceGroupId,
        uploadDescription,
        audiences: userIds.map((id) => ({ id })),
      }),
    );
  }

  async narrowcast(
    audienceGroupId: number,
    messages: Message[],
    retryKey: string,
  ): Promise<NarrowcastAccepted> {
    try {
      const { httpResponse } = await this.send(({ messaging }) =>
        messaging.narrowcastWithHttpInfo(
          {
            messages: messages as messagingApi.Message[],
            recipient: { type: 'audience', audienceGroupId } as messagingApi.AudienceRecipient,
            // LINE reserves the whole target before sending: this keeps it within what is left.
            limit: { upToRemainingQuota: true },
          },
          retryKey,
        ),
      );
      const requestId = httpResponse.headers.get('x-line-request-id');
      if (!requestId) throw new Error('LINE accepted the narrowcast without an X-Line-Request-Id');
      return { requestId, alreadyAccepted: false };
    } catch (error) {
      // 409: this retry key was accepted before (a crash after sending): that one is the narrowcast.
      if (error instanceof LineApiError && error.status === 409 && error.acceptedRequestId)
        return { requestId: error.acceptedRequestId, alreadyAccepted: true };
      throw error;
    }
  }

  async narrowcastProgress(requestId: string): Promise<NarrowcastProgress> {
    const p = await this.send(({ messaging }) => messaging.getNarrowcastProgress(requestId));
    return {
      phase: p.phase,
      ...(p.targetCount !== undefined && { targetCount: p.targetCount }),
      ...(p.successCount !== undefined && { successCount: p.successCount }),
      ...(p.failureCount !== undefined && { failureCount: p.failureCount }),
      ...(p.failedDescription !== undefined && { failedDescription: p.failedDescription }),
      ...(p.errorCode !== undefined && { errorCode: p.errorCode }),
    };
  }

  /** This month's message allowance left, or undefined when the plan has no limit. */
  async remainingQuota(): Promise<number | undefined> {
    const [quota, used] = await Promise.all([
      this.send(({ messaging }) => messaging.getMessageQuota()),
      this.send(({ messaging }) => messaging.getMessageQuotaConsumption()),
    ]);
    return quota.type === 'limited' ? (quota.value ?? 0) - used.totalUsage : undefined;
  }

  /** One request with the current token (once more with a new one on 401), bounded in time. */
  private async send<T>(
    request: (clients: NonNullable<LineAudienceApi['clients']>) => Promise<T>,
  ): Promise<T> {
    const ms = this.options.timeoutMs ?? LINE_CALL_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LineTimeoutError(ms)), ms);
    });
    try {
      return await Promise.race([this.withToken(request), late]);
    } catch (error) {
      throw toLineApiError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async withToken<T>(
    request: (clients: NonNullable<LineAudienceApi['clients']>) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.token();
      if (this.clients?.token !== token) {
        const config = {
          channelAccessToken: token,
          ...(this.options.baseURL && { baseURL: this.options.baseURL }),
        };
        this.clients = {
          token,
          audience: new manageAudience.ManageAudienceClient(config),
          messaging: new messagingApi.MessagingApiClient(config),
        };
      }
      try {
        return await request(this.clients);
      } catch (error) {
        const refused = error instanceof HTTPFetchError && error.status === 401;
        if (!refused || attempt > 1 || !this.tokens.invalidate(token)) throw error;
      }
    }
  }
}
