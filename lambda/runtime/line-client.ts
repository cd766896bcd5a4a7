import { LineApi } from '../adapters/line/line-api';
import { statelessTokens } from '../adapters/line/token-source';
import type { ChannelCredentials } from './secrets';

/** The Messaging API with the channel's credentials: issued stateless tokens when a channel id is known. */
export function lineApiFor(credentials: ChannelCredentials, baseURL: string | undefined): LineApi {
  const { channelId, channelSecret, channelAccessToken } = credentials;
  return new LineApi({
    ...(channelId
      ? { tokens: statelessTokens({ channelId, channelSecret, ...(baseURL && { baseURL }) }) }
      : { channelAccessToken }),
    ...(baseURL && { baseURL }),
  });
}
