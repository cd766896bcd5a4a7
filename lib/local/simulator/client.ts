import type { EmulatedPerson } from '../line-emulator/people';
import type { EmulatedChat } from '../line-emulator/state';
import { DRAIN_PATH } from '../webhook-server';
import { signature, webhookBody, type WebhookEvent } from './webhook-events';

export interface WebhookResponse {
  status: number;
  body: string;
}

/** POSTs a webhook exactly as LINE does: JSON body, `x-line-signature` over its bytes. */
export async function sendWebhook(
  url: string,
  secret: string,
  events: WebhookEvent[],
  body = webhookBody(events),
): Promise<WebhookResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'LineBotWebhook/2.0',
      'x-line-signature': signature(body, secret),
    },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}

/** Waits until the local stack has processed everything its webhook accepted (`npm start` only). */
export async function drain(webhookUrl: string): Promise<void> {
  const response = await fetch(new URL(DRAIN_PATH, webhookUrl), {
    method: 'POST',
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`the local stack did not drain: ${response.status}`);
}

/** The LINE emulator's control API (only when talking to the local stack). */
export class EmulatorControl {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new Error(`LINE emulator ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** A reply token the emulator will accept once, so the bot's reply to a simulated event can succeed. */
  async replyToken(to: string): Promise<string> {
    return (await this.call<{ replyToken: string }>('POST', '/emulator/reply-tokens', { to })).replyToken;
  }

  /** The chat as LINE knows it: whether the OA is in it, and when it last joined. */
  chat(groupId: string): Promise<EmulatedChat> {
    return this.call('GET', `/emulator/chats/${groupId}`);
  }

  setChat(groupId: string, chat: Partial<EmulatedChat>): Promise<unknown> {
    return this.call('PUT', `/emulator/chats/${groupId}`, chat);
  }

  /** A user as LINE knows them: their name, and whether they are the OA's friend or blocked it. */
  person(userId: string): Promise<EmulatedPerson> {
    return this.call('GET', `/emulator/friends/${userId}`);
  }

  setFriend(userId: string, friend: boolean, displayName?: string): Promise<EmulatedPerson> {
    return this.call('PUT', `/emulator/friends/${userId}`, { friend, ...(displayName && { displayName }) });
  }

  /** `userId` is in the chat now (LINE's member count goes up by one if they were not listed). */
  joinChat(groupId: string, userId: string, displayName?: string): Promise<unknown> {
    return this.call(
      'PUT',
      `/emulator/chats/${groupId}/members/${userId}`,
      displayName ? { displayName } : {},
    );
  }

  leaveChat(groupId: string, userId: string): Promise<unknown> {
    return this.call('DELETE', `/emulator/chats/${groupId}/members/${userId}`);
  }

  messages(
    to?: string,
  ): Promise<{ sequence: number; via: string; to: string; messages: Record<string, unknown>[] }[]> {
    return this.call('GET', `/emulator/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
  }

  fault(fault: {
    match: string;
    status?: number;
    delayMs?: number;
    retryAfterSeconds?: number;
    count?: number;
  }): Promise<unknown> {
    return this.call('POST', '/emulator/faults', fault);
  }
}
