import { createHash } from 'node:crypto';
import { drain, EmulatorControl, sendWebhook, type WebhookResponse } from './client';
import {
  asRedelivery,
  type EventOptions,
  newGroupId,
  newUserId,
  webhookEvents,
  type WebhookEvent,
} from './webhook-events';

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

/** Someone who joins a chat, with the display name LINE will show for them (made up if none). */
export interface Member {
  userId: string;
  displayName?: string;
}

/**
 * The commands of `npm run simulate`, each one or more webhooks as LINE would send them. A message
 * or postback comes from `userId`: the chat's own default sender when absent, nobody when null.
 */
export type Command =
  | { name: 'join'; groupId: string }
  | { name: 'leave'; groupId: string }
  | { name: 'message'; groupId: string; text: string; userId?: string | null }
  | { name: 'postback'; groupId: string; data: string; userId?: string | null }
  | { name: 'member-joined'; groupId: string; members?: Member[] }
  | { name: 'member-left'; groupId: string; userIds?: string[] }
  | { name: 'eject'; groupId: string }
  | { name: 'follow'; userId: string; displayName?: string }
  | { name: 'unfollow'; userId: string }
  | { name: 'redeliver'; events: WebhookEvent[] };

/** The member who speaks in a chat when no `--user` is given: always the same one for that chat. */
export const defaultSender = (groupId: string) =>
  `U${createHash('sha256').update(`simulator:${groupId}`).digest('hex').slice(0, 32)}`;

/** What the simulator will not send, because LINE would not (a chat the OA is not in). */
export class SimulatorRefusal extends Error {
  override name = 'SimulatorRefusal';
}

export interface RunOptions {
  /** Send even from a chat the OA is not in: as a late delivery, stamped before its last join. */
  force?: boolean;
  /** The event's timestamp (ms); now by default. A second event of the command follows 1 ms later. */
  at?: number;
}

/** The commands LINE only sends while the OA is in the chat (a join or an ejection may come any time). */
const NEEDS_THE_OA_IN_THE_CHAT = new Set<Command['name']>([
  'leave',
  'message',
  'postback',
  'member-joined',
  'member-left',
]);

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

  /**
   * How LINE would stamp an event of this command: now (or `at`) while the OA is in the chat. LINE
   * sends nothing from a chat the OA is not in (the emulator knows), so that is refused; forced,
   * it goes out as a late redelivery from before the OA's last join, which cannot change the chat.
   */
  private async stamp(command: Command, options: RunOptions): Promise<EventOptions> {
    const explicit = options.at !== undefined ? { timestamp: options.at } : {};
    const emulator = this.target.emulator;
    if (!emulator || !('groupId' in command) || !NEEDS_THE_OA_IN_THE_CHAT.has(command.name)) return explicit;
    const chat = await emulator.chat(command.groupId);
    // After the OA left through the API, LINE still sends that one leave event.
    if (chat.isMember || (command.name === 'leave' && chat.leaveEventDue)) return explicit;
    if (!options.force)
      throw new SimulatorRefusal(
        `the OA is not in ${command.groupId}: LINE would send nothing; --force sends it anyway`,
      );
    if (options.at !== undefined) return { ...explicit, isRedelivery: true };
    if (chat.joinedAt === undefined)
      throw new SimulatorRefusal(
        `--force: when the OA last joined ${command.groupId} is not known here; stamp the event with --at <ISO time>`,
      );
    return { timestamp: chat.joinedAt - 1000, isRedelivery: true };
  }

  async run(command: Command, options: RunOptions = {}): Promise<Step[]> {
    const stamp = await this.stamp(command, options);
    const emulator = this.target.emulator;
    const withToken = async (to: string) => {
      const replyToken = await this.token(to);
      return replyToken ? { ...stamp, replyToken } : stamp;
    };
    const sender = (command: { groupId: string; userId?: string | null }) =>
      command.userId === undefined ? defaultSender(command.groupId) : command.userId;
    // LINE's side changes before it tells: the OA is in the chat when the join arrives, out of it
    // when the leave does (a stale, forced leave changes nothing).
    const joined = async (groupId: string, timestamp: number) =>
      emulator?.setChat(groupId, { isMember: true, joinedAt: timestamp, leaveEventDue: false });
    switch (command.name) {
      case 'join': {
        const timestamp = stamp.timestamp ?? Date.now();
        await joined(command.groupId, timestamp);
        return [
          await this.send([
            webhookEvents.join(command.groupId, { ...(await withToken(command.groupId)), timestamp }),
          ]),
        ];
      }
      case 'leave':
        if (!stamp.isRedelivery)
          await emulator?.setChat(command.groupId, { isMember: false, leaveEventDue: false });
        return [await this.send([webhookEvents.leave(command.groupId, stamp)])];
      case 'message':
        return [
          await this.send([
            webhookEvents.message(command.groupId, command.text, {
              ...(await withToken(command.groupId)),
              userId: sender(command),
            }),
          ]),
        ];
      case 'postback':
        return [
          await this.send([
            webhookEvents.postback(command.groupId, command.data, {
              ...(await withToken(command.groupId)),
              userId: sender(command),
            }),
          ]),
        ];
      case 'member-joined': {
        const members = command.members ?? [{ userId: newUserId() }];
        // In the chat before LINE tells (a late redelivery changes nothing).
        if (!stamp.isRedelivery)
          for (const { userId, displayName } of members)
            await emulator?.joinChat(command.groupId, userId, displayName);
        const userIds = members.map((m) => m.userId);
        return [
          await this.send([
            webhookEvents.memberJoined(command.groupId, userIds, await withToken(command.groupId)),
          ]),
        ];
      }
      case 'member-left': {
        const userIds = command.userIds ?? [newUserId()];
        if (!stamp.isRedelivery)
          for (const userId of userIds) await emulator?.leaveChat(command.groupId, userId);
        return [await this.send([webhookEvents.memberLeft(command.groupId, userIds, stamp)])];
      }
      case 'follow': {
        // Following again after a block is LINE's unblock; the emulator remembers the block.
        const isUnblocked = (await emulator?.person(command.userId))?.blocked ?? false;
        await emulator?.setFriend(command.userId, true, command.displayName);
        const options = { ...(await withToken(command.userId)), isUnblocked };
        return [await this.send([webhookEvents.follow(command.userId, options)])];
      }
      case 'unfollow':
        await emulator?.setFriend(command.userId, false);
        return [await this.send([webhookEvents.unfollow(command.userId, stamp)])];
      case 'eject': {
        // How a second official account plays out: LINE lets us in, then removes us at once.
        const timestamp = stamp.timestamp ?? Date.now();
        await joined(command.groupId, timestamp);
        const join = await this.send([
          webhookEvents.join(command.groupId, { ...(await withToken(command.groupId)), timestamp }),
        ]);
        await emulator?.setChat(command.groupId, { isMember: false });
        const leave = await this.send([webhookEvents.leave(command.groupId, { timestamp: timestamp + 1 })]);
        return [join, leave];
      }
      case 'redeliver':
        return [await this.send(asRedelivery(command.events))];
    }
  }
}

export { newGroupId };
