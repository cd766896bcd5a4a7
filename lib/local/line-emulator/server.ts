import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type EmulatedChat,
  type EmulatorOptions,
  EmulatorState,
  type Fault,
  type SentMessage,
} from './state';
import { couponStatus, validateCouponCreate } from './coupons';
import { Answer, HttpError, invalid, type Route } from './http';
import { audienceRoutes } from './audience-routes';
import { peopleRoutes } from './people-routes';
import { messageErrors } from '../../../lambda/domain/messages';

export interface LineEmulator {
  url: string;
  state: EmulatorState;
  close(): Promise<void>;
}

/**
 * A stand-in for the LINE platform (api.line.me) on loopback: the Messaging API endpoints this
 * product calls, as strict as LINE about auth, request shape and reply tokens, answering in LINE's
 * error format, with a record of every message sent and a control API under /emulator/.
 */
export async function startLineEmulator(
  options: EmulatorOptions & { port?: number; onSent?: (message: SentMessage) => void },
): Promise<LineEmulator> {
  const state = new EmulatorState(options);
  const buckets = new Map<string, { second: number; used: number }>();

  const memberChat = (groupId: string, chatType: EmulatedChat['chatType']) => {
    const chat = state.chat(groupId);
    if (!chat.isMember || chat.chatType !== chatType) throw new HttpError(404, 'Not found');
    return chat;
  };
  const deliver = (via: SentMessage['via'], to: string, body: Record<string, unknown>, retryKey?: string) => {
    const details = messageErrors(body.messages, (id) => {
      const coupon = state.coupons.get(id);
      return coupon !== undefined && couponStatus(coupon) === 'RUNNING';
    });
    if (details.length > 0)
      throw new HttpError(400, `The request body has ${details.length} error(s)`, details);
    const messages = body.messages as Record<string, unknown>[];
    const sent = state.record({ via, to, messages, ...(retryKey && { retryKey }) });
    options.onSent?.(sent);
    return {
      sentMessages: messages.map(() => ({ id: String(1e15 + sent.sequence), quoteToken: randomUUID() })),
    };
  };

  const people = peopleRoutes(state, memberChat);
  const audiences = audienceRoutes(state, (sent) => options.onSent?.(sent));

  const api: Record<string, Route> = {
    ...people.api,
    ...audiences.api,
    'GET /v2/bot/group/([^/]+)/summary': ({ params: [id] }) => {
      const chat = memberChat(id, 'group');
      return {
        groupId: id,
        groupName: chat.groupName,
        ...(chat.pictureUrl && { pictureUrl: chat.pictureUrl }),
      };
    },
    'GET /v2/bot/group/([^/]+)/members/count': ({ params: [id] }) => ({
      count: memberChat(id, 'group').memberCount,
    }),
    'GET /v2/bot/room/([^/]+)/members/count': ({ params: [id] }) => ({
      count: memberChat(id, 'room').memberCount,
    }),
    'POST /v2/bot/(group|room)/([^/]+)/leave': ({ params: [chatType, id] }) => {
      Object.assign(memberChat(id, chatType as EmulatedChat['chatType']), {
        isMember: false,
        leaveEventDue: true,
      });
      return {};
    },
    'POST /v2/bot/message/reply': ({ body }) => {
      if (typeof body.replyToken !== 'string') throw invalid('replyToken', 'Must not be null');
      const token = state.replyTokens.get(body.replyToken);
      // LINE answers the same for unknown, used and expired tokens.
      if (!token || token.expiresAt < Date.now()) throw new HttpError(400, 'Invalid reply token');
      state.replyTokens.delete(body.replyToken);
      // A chat the OA was never let into (another official account was there) gets no reply.
      const chat = state.chats.get(token.to);
      if (chat && !chat.isMember) throw new HttpError(403, 'The bot is not a member of the chat');
      return deliver('reply', token.to, body);
    },
    'POST /v2/bot/message/push': ({ body, headers }) => {
      if (typeof body.to !== 'string' || body.to === '') throw invalid('to', 'Must not be null');
      const retryKey = headers['x-line-retry-key'] as string | undefined;
      if (
        retryKey !== undefined &&
        !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(retryKey)
      ) {
        throw invalid('X-Line-Retry-Key', 'Must be a UUID');
      }
      const accepted = retryKey && state.retryKeys.get(retryKey);
      if (accepted) {
        throw new HttpError(409, 'The retry key is already accepted', undefined, {
          'x-line-accepted-request-id': accepted,
        });
      }
      const chat = state.chats.get(body.to) ?? (/^[CR]/.test(body.to) ? state.chat(body.to) : undefined);
      if (chat && !chat.isMember) throw new HttpError(403, 'The bot is not a member of the chat');
      // LINE counts a push to a chat once per member who receives it.
      const cost = chat ? chat.memberCount : 1;
      // LINE's exact words: they are what tells this 429 from the rate limit's.
      if (state.monthlyQuota !== undefined && state.quotaConsumed + cost > state.monthlyQuota) {
        throw new HttpError(429, 'You have reached your monthly limit.');
      }
      const result = deliver('push', body.to, body, retryKey);
      state.quotaConsumed += cost;
      if (retryKey) state.retryKeys.set(retryKey, randomUUID());
      return result;
    },
    'GET /v2/bot/message/quota': () =>
      state.monthlyQuota === undefined ? { type: 'none' } : { type: 'limited', value: state.monthlyQuota },
    'GET /v2/bot/message/quota/consumption': () => ({ totalUsage: state.quotaConsumed }),
    'POST /v2/bot/coupon': ({ body }) => {
      const details = validateCouponCreate(body);
      if (details.length > 0)
        throw new HttpError(400, `The request body has ${details.length} error(s)`, details);
      const couponId = `${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
      state.coupons.set(couponId, { ...body, couponId, createdTimestamp: Math.floor(Date.now() / 1000) });
      return { couponId };
    },
    'GET /v2/bot/coupon': ({ query }) => {
      const statuses = query.getAll('status');
      const limit = Number(query.get('limit') ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw invalid('limit', 'Must be between 1 and 100');
      const all = [...state.coupons.values()].filter(
        (c) => statuses.length === 0 || statuses.includes(couponStatus(c)),
      );
      const start = Number(query.get('start') ?? 0);
      const page = all.slice(start, start + limit).map((c) => ({ couponId: c.couponId, title: c.title }));
      return { items: page, ...(start + limit < all.length && { next: String(start + limit) }) };
    },
    'GET /v2/bot/coupon/([^/]+)': ({ params: [couponId] }) => {
      const coupon = state.coupons.get(couponId);
      if (!coupon) throw new HttpError(404, 'Not found');
      const { closed: _closed, ...detail } = coupon;
      return { ...detail, status: couponStatus(coupon) };
    },
    'PUT /v2/bot/coupon/([^/]+)/close': ({ params: [couponId] }) => {
      const coupon = state.coupons.get(couponId);
      if (!coupon) throw new HttpError(404, 'Not found');
      if (couponStatus(coupon) === 'CLOSED') throw new HttpError(410, 'The coupon is already closed');
      coupon.closed = true;
      return {};
    },
  };

  /** POST /oauth2/v3/token (client credentials), as channel-access-token.yml describes it. */
  const issueToken: Route = ({ body }) => {
    if (body.grant_type !== 'client_credentials') throw new HttpError(400, 'unsupported_grant_type');
    if (
      !options.channelId ||
      body.client_id !== options.channelId ||
      body.client_secret !== options.channelSecret
    ) {
      throw new HttpError(400, 'invalid_client');
    }
    const ttl = options.statelessTokenTtlSeconds ?? 900;
    const token = `stateless-${randomUUID()}`;
    state.issuedTokens.set(token, Date.now() + ttl * 1000);
    state.tokensIssued += 1;
    return { token_type: 'Bearer', access_token: token, expires_in: ttl };
  };
  const authorized = (header: string | undefined) => {
    const token = header?.replace(/^Bearer /, '');
    if (!token) return false;
    if (options.channelAccessToken !== undefined && token === options.channelAccessToken) return true;
    const expiresAt = state.issuedTokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  };

  const control: Record<string, Route> = {
    ...people.control,
    ...audiences.control,
    // What the bot asked of LINE, with the token it used (local test tokens only).
    'GET /emulator/requests': () =>
      state.requests.map((r) => ({ method: r.method, path: r.path, authorization: r.headers.authorization })),
    'POST /emulator/tokens/revoke': () => {
      state.issuedTokens.clear();
      return {};
    },
    'GET /emulator/messages': ({ query }) =>
      state.sent.filter((m) => !query.get('to') || m.to === query.get('to')),
    'GET /emulator/chats/([^/]+)': ({ params: [id] }) => state.chat(id),
    'PUT /emulator/chats/([^/]+)': ({ params: [id], body }) => Object.assign(state.chat(id), body),
    'POST /emulator/reply-tokens': ({ body }) => ({ replyToken: state.issueReplyToken(String(body.to)) }),
    'POST /emulator/faults': ({ body }) => {
      state.faults.push({ count: 1, ...(body as Partial<Fault>), match: String(body.match ?? '') });
      return {};
    },
    // The month's quota at run time: {"monthly": n} (a plan change), or {"monthly": null} for none.
    'GET /emulator/quota': () => ({ monthly: state.monthlyQuota ?? null, consumed: state.quotaConsumed }),
    'PUT /emulator/quota': ({ body }) => {
      const { monthly } = body;
      if (monthly !== null && !(Number.isInteger(monthly) && (monthly as number) >= 0))
        throw invalid('monthly', 'Must be a whole number of messages, 0 or more, or null (no limit)');
      state.monthlyQuota = monthly === null ? undefined : (monthly as number);
      return { monthly: state.monthlyQuota ?? null, consumed: state.quotaConsumed };
    },
    'POST /emulator/reset': () => {
      state.reset();
      return {};
    },
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: (error as Error).message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const line = `${req.method} ${url.pathname}`;
    const isControl = url.pathname.startsWith('/emulator/');
    try {
      const raw = await readBody(req);
      let body: Record<string, unknown> = {};
      // Only LINE's token endpoint takes a form; the control API reads JSON whatever curl -d says.
      if (!isControl && String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        body = Object.fromEntries(new URLSearchParams(raw));
      } else if (raw.length > 0) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw new HttpError(400, 'The request body could not be parsed as JSON');
        }
        // `null` or a list would otherwise reach the routes as a body with no properties to read.
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new HttpError(400, 'The request body must be a JSON object');
      }
      if (line === 'POST /oauth2/v3/token')
        return send(
          res,
          200,
          await issueToken({ params: ['', ''], body, headers: req.headers, query: url.searchParams }),
        );
      const found = findRoute(isControl ? control : api, req.method, url.pathname);
      if (!isControl) {
        state.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
        if (!authorized(req.headers.authorization)) {
          throw new HttpError(
            401,
            'Authentication failed. Confirm that the access token in the authorization header is valid.',
          );
        }
        const fault = state.takeFault(line, body.to);
        if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault?.status) {
          throw new HttpError(fault.status, 'Injected failure', undefined, {
            ...(fault.retryAfterSeconds !== undefined && { 'retry-after': String(fault.retryAfterSeconds) }),
          });
        }
        // LINE limits each endpoint, whatever the chat or user in its path.
        rateLimit(found?.pattern ?? line);
      }
      if (found) {
        const result = await found.route({
          params: found.params,
          body,
          headers: req.headers,
          query: url.searchParams,
        });
        if (result instanceof Answer)
          return send(res, result.status, result.body, {
            'x-line-request-id': randomUUID(),
            ...result.headers,
          });
        return send(res, 200, result, { 'x-line-request-id': randomUUID() });
      }
      throw new HttpError(404, 'Not found');
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      send(
        res,
        error.status,
        { message: error.message, ...(error.details && { details: error.details }) },
        error.headers,
      );
    }
  }

  function rateLimit(line: string) {
    if (options.rateLimitPerSecond === undefined) return;
    const second = Math.floor(Date.now() / 1000);
    const bucket = buckets.get(line) ?? { second, used: 0 };
    if (bucket.second !== second) Object.assign(bucket, { second, used: 0 });
    bucket.used += 1;
    buckets.set(line, bucket);
    if (bucket.used > options.rateLimitPerSecond) {
      throw new HttpError(429, 'The API rate limit has been exceeded. Try again later.');
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function findRoute(routes: Record<string, Route>, method: string | undefined, pathname: string) {
  for (const [pattern, route] of Object.entries(routes)) {
    const [routeMethod, path] = pattern.split(' ') as [string, string];
    const match = new RegExp(`^${path}$`).exec(pathname);
    if (routeMethod === method && match)
      return { pattern, route, params: match.slice(1) as [string, string] };
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
