import { LineAudienceApi } from '../../lambda/adapters/line/audience-api';
import { DynamoDbNarrowcastStore } from '../../lambda/adapters/dynamodb/narrowcast-store';
import type { NarrowcastDeps } from '../../lambda/app/narrowcast/run-narrowcast';
import { webhookEvents } from '../../lib/local/simulator/webhook-events';
import { CHANNEL_ACCESS_TOKEN, type Harness } from '../support/webhook-harness';

/** The emulator's control API (OA Manager's side, friendships, who is in which chat). */
export async function control(h: Harness, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${h.line.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export const cliEnv = (h: Harness): NodeJS.ProcessEnv => ({ ...h.cliEnv });

type Command = (argv: string[], out: (t: string) => void, env: NodeJS.ProcessEnv) => Promise<number>;

/** A CLI command in this process: its exit code and what it printed. */
export async function cli(h: Harness, command: Command, argv: string[]) {
  const out: string[] = [];
  const code = await command(argv, (t) => out.push(t), cliEnv(h));
  return { code, text: out.join('\n') };
}

/** The command's `--json` answer (it must succeed). */
export async function cliJson(
  h: Harness,
  command: Command,
  argv: string[],
): Promise<Record<string, unknown>> {
  const { code, text } = await cli(h, command, [...argv, '--json']);
  expect({ code, text }).toEqual({ code: 0, text: expect.any(String) as string });
  // Progress lines come before the JSON when not asked for --json only; --json prints one document.
  return JSON.parse(text) as Record<string, unknown>;
}

/** Someone becomes (or stops being) a friend as LINE has it: the emulator first, then the 1:1 event. */
export async function follows(h: Harness, userId: string, friend: boolean): Promise<void> {
  await control(h, 'PUT', `/emulator/friends/${userId}`, { friend });
  await h.post([
    friend
      ? webhookEvents.follow(userId, { timestamp: Date.now() })
      : webhookEvents.unfollow(userId, { timestamp: Date.now() }),
  ]);
}

export const audienceApi = (h: Harness) =>
  new LineAudienceApi({ channelAccessToken: CHANNEL_ACCESS_TOKEN, baseURL: h.line.url });

/** A narrowcast followed in this process, with back-offs short enough for a test. */
export function narrowcastDeps(h: Harness, overrides: Partial<NarrowcastDeps> = {}): NarrowcastDeps {
  return {
    line: audienceApi(h),
    store: new DynamoDbNarrowcastStore(h.documents, h.tables.campaigns),
    log: h.recorder,
    telemetry: h.recorder,
    now: () => new Date(),
    audienceReadyTimeoutMs: 24 * 3_600_000,
    backoff: {
      audience: { firstMs: 200, maxMs: 1000 },
      progress: { firstMs: 100, maxMs: 500 },
      rateLimit: { firstMs: 300, maxMs: 1000 },
    },
    ...overrides,
  };
}

export interface EmulatedNarrowcastView {
  requestId: string;
  audienceGroupId: number;
  recipients: string[];
  messages: Record<string, unknown>[];
  phase: string;
}

export const narrowcastsOf = async (h: Harness, audienceGroupId: number) =>
  ((await control(h, 'GET', '/emulator/narrowcasts')) as EmulatedNarrowcastView[]).filter(
    (n) => n.audienceGroupId === audienceGroupId,
  );

export const audienceUsers = async (h: Harness, audienceGroupId: number) =>
  ((await control(h, 'GET', '/emulator/audiences')) as { audienceGroupId: number; userIds: string[] }[]).find(
    (a) => a.audienceGroupId === audienceGroupId,
  )?.userIds;

/** Puts the emulator's options back as they were: keys added since are removed. */
export function restore<T extends object>(options: T, saved: T): void {
  for (const key of Object.keys(options)) Reflect.deleteProperty(options, key);
  Object.assign(options, saved);
}
