import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { NotAMemberError } from '../../app/errors';
import type { ChatSummary, LineLookups } from '../../app/ports';
import type { ChatType } from '../../domain/group';

export interface LineApiOptions {
  channelAccessToken: string;
  /** `https://api.line.me` in production; the local emulator's URL in `npm start` and tests. */
  baseURL?: string;
}

/** LINE answers 403 or 404 about a chat the OA is not in. */
const isNotAMember = (error: unknown) =>
  error instanceof HTTPFetchError && (error.status === 403 || error.status === 404);

/** The Messaging API through LINE's own SDK, with LINE's error codes turned into ours. */
export class LineApi implements LineLookups {
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

  private async call<T>(groupId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (isNotAMember(error)) throw new NotAMemberError(groupId, (error as HTTPFetchError).status);
      throw error;
    }
  }
}
