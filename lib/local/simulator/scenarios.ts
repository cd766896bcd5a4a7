import { drain, EmulatorControl, sendWebhook, type WebhookResponse } from './client';
import { asRedelivery, newGroupId, newUserId, webhookEvents, type WebhookEvent } from './webhook-events';

export interface SimulatorTarget {
  url: string;
  secret: string;
  /** Set when the target is the local stack: reply tokens come from it and replies are read back. */
  emulator?: EmulatorControl;
}

export interface Step {
  events: WebhookEvent[];
  response: WebhookResponse;
  /** What the bot sent to LINE because of this webhook (local stack only). */
  sent: { via: string; to: string; messages: Record<string, unknown>[] }[];
}

/** The commands of `npm run simulate`, each one or more webhooks as LINE would send them. */
export type Command =
  | { name: 'join'; groupId: string }
  | { name: 'leave'; groupId: string }
  | { name: 'message'; groupId: string; text: string }
  | { name: 'postback'; groupId: string; data: string }
  | { name: 'member-joined'; groupId: string }
  | { name: 'member-left'; groupId: string }
  | { name: 'eject'; groupId: string }
  | { name: 'redeliver'; events: WebhookEvent[] };

export class Simulator {
  constructor(readonly target: SimulatorTarget) {}

  private async token(groupId: string): Promise<string | undefined> {
    return this.target.emulator?.replyToken(groupId);
  }

  /** Sends one webhook and collects what the bot sent back through LINE meanwhile. */
  async send(events: WebhookEvent[]): Promise<Step> {
    const before = this.target.emulator ? (await this.target.emulator.messages()).length : 0;
    const response = await sendWebhook(this.target.url, this.target.secret, events);
    // The webhook only stores the events; on the local stack we wait for the processor's answer.
    if (this.target.emulator) await drain(this.target.url);
    const sent = this.target.emulator ? (await this.target.emulator.messages()).slice(before) : [];
    return { events, response, sent };
  }

  async run(command: Command): Promise<Step[]> {
    const withToken = async (groupId: string) => {
      const replyToken = await this.token(groupId);
      return replyToken ? { replyToken } : {};
    };
    switch (command.name) {
      case 'join':
        return [await this.send([webhookEvents.join(command.groupId, await withToken(command.groupId))])];
      case 'leave':
        return [await this.send([webhookEvents.leave(command.groupId)])];
      case 'message':
        return [
          await this.send([
            webhookEvents.message(command.groupId, command.text, await withToken(command.groupId)),
          ]),
        ];
      case 'postback':
        return [
          await this.send([
            webhookEvents.postback(command.groupId, command.data, await withToken(command.groupId)),
          ]),
        ];
      case 'member-joined':
        return [
          await this.send([
            webhookEvents.memberJoined(command.groupId, [newUserId()], await withToken(command.groupId)),
          ]),
        ];
      case 'member-left':
        return [await this.send([webhookEvents.memberLeft(command.groupId, [newUserId()])])];
      case 'eject': {
        // How a second official account plays out: LINE lets us in, then removes us at once.
        const join = await this.send([webhookEvents.join(command.groupId, await withToken(command.groupId))]);
        await this.target.emulator?.setChat(command.groupId, { isMember: false });
        const leave = await this.send([webhookEvents.leave(command.groupId, { timestamp: Date.now() + 1 })]);
        return [join, leave];
      }
      case 'redeliver':
        return [await this.send(asRedelivery(command.events))];
    }
  }
}

export { newGroupId };
