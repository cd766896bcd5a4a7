import { randomUUID } from 'node:crypto';
import { messageErrors } from '../../../lambda/domain/messages';
import { Audiences } from './audiences';
import { couponStatus } from './coupons';
import { Answer, HttpError, invalid, type Route } from './http';
import type { EmulatorState, SentMessage } from './state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /v2/bot/message/narrowcast to an audience, and its progress, as LINE does them: 202 with
 * X-Line-Request-Id, the delivery later (waiting -> sending -> succeeded), X-Line-Retry-Key answered
 * 409 with the first request's id, the OA's whole target reserved from the month's quota before
 * sending (or what is left of it with `limit.upToRemainingQuota`), 60 requests an hour.
 */
export function narrowcastRoutes(
  state: EmulatorState,
  onSent: (sent: SentMessage) => void,
): { api: Record<string, Route>; control: Record<string, Route> } {
  const { audiences } = state;
  const { options } = audiences;

  const api: Record<string, Route> = {
    'POST /v2/bot/message/narrowcast': ({ body, headers }) => {
      const retryKey = headers['x-line-retry-key'] as string | undefined;
      if (retryKey !== undefined && !UUID.test(retryKey)) throw invalid('X-Line-Retry-Key', 'Must be a UUID');
      const accepted = retryKey && state.retryKeys.get(retryKey);
      if (accepted) {
        throw new HttpError(409, 'The retry key is already accepted', undefined, {
          'x-line-accepted-request-id': accepted,
        });
      }
      const details = messageErrors(body.messages, (id) => {
        const coupon = state.coupons.get(id);
        return coupon !== undefined && couponStatus(coupon) === 'RUNNING';
      });
      if (details.length > 0)
        throw new HttpError(400, `The request body has ${details.length} error(s)`, details);
      const recipient = body.recipient as { type?: unknown; audienceGroupId?: unknown } | undefined;
      if (recipient?.type !== 'audience' || !Number.isSafeInteger(recipient.audienceGroupId))
        throw invalid(
          'recipient',
          'The emulator narrowcasts to one audience: {"type":"audience","audienceGroupId":n}',
        );
      if (body.filter !== undefined) throw invalid('filter', 'Attribute filters are not emulated');
      const audience = audiences.byId.get(recipient.audienceGroupId as number);
      if (!audience) throw invalid('recipient.audienceGroupId', 'audience group not found');
      const status = audiences.status(audience);
      if (status !== 'READY') {
        throw new HttpError(400, `The audience is not ready (status ${status})`, [
          { message: `audience status ${status}`, property: 'recipient.audienceGroupId' },
        ]);
      }
      const limit = (body.limit ?? {}) as { max?: unknown; upToRemainingQuota?: unknown };
      if (
        !Audiences.allow(
          audiences.narrowcastTimes,
          options.narrowcastsPerWindow ?? 60,
          options.narrowcastWindowMs ?? 3_600_000,
        )
      )
        throw new HttpError(429, 'The API rate limit has been exceeded. Try again later.');

      // Only friends receive it: non-friends and those who blocked the OA are skipped.
      let recipients = [...audience.userIds].filter((id) => state.people.person(id).friend);
      if (Number.isSafeInteger(limit.max)) recipients = recipients.slice(0, limit.max as number);
      const remaining =
        state.monthlyQuota === undefined ? Infinity : Math.max(0, state.monthlyQuota - state.quotaConsumed);
      if (recipients.length > remaining) {
        // The whole target is reserved up front; without upToRemainingQuota it does not fit.
        if (limit.upToRemainingQuota !== true) {
          audiences.narrowcastTimes.pop();
          throw new HttpError(429, 'You have reached your monthly limit.');
        }
        recipients = recipients.slice(0, remaining);
      }
      state.quotaConsumed += recipients.length;

      const requestId = randomUUID();
      const messages = body.messages as Record<string, unknown>[];
      audiences.narrowcasts.set(requestId, {
        requestId,
        audienceGroupId: audience.audienceGroupId,
        ...(retryKey && { retryKey }),
        acceptedAt: Date.now(),
        recipients,
        messages,
      });
      if (retryKey) state.retryKeys.set(retryKey, requestId);
      for (const to of recipients)
        onSent(state.record({ via: 'narrowcast', to, messages, ...(retryKey && { retryKey }) }));
      return new Answer(202, {}, { 'x-line-request-id': requestId });
    },
    'GET /v2/bot/message/progress/narrowcast': ({ query }) => {
      const requestId = query.get('requestId');
      if (!requestId) throw invalid('requestId', 'Must not be null');
      const narrowcast = audiences.narrowcasts.get(requestId);
      if (!narrowcast) throw new HttpError(404, 'Not found');
      const phase = audiences.phase(narrowcast);
      const step = options.narrowcastPhaseMs ?? 1000;
      const targetCount = narrowcast.recipients.length;
      return {
        phase,
        acceptedTime: new Date(narrowcast.acceptedAt).toISOString(),
        ...(phase !== 'waiting' && { targetCount }),
        ...(phase === 'succeeded' && {
          successCount: targetCount,
          failureCount: 0,
          completedTime: new Date(narrowcast.acceptedAt + 2 * step).toISOString(),
        }),
      };
    },
  };

  const control: Record<string, Route> = {
    // Every narrowcast LINE accepted, with whom it reached.
    'GET /emulator/narrowcasts': () =>
      [...audiences.narrowcasts.values()].map((n) => ({ ...n, phase: audiences.phase(n) })),
  };
  return { api, control };
}
