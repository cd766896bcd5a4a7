import { LineAudienceApi } from '../adapters/line/audience-api';
import { LineApi, type LineApiOptions } from '../adapters/line/line-api';
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

/** LINE's audiences and narrowcasts with the same credentials (its own tokens). */
export function audienceApiFor(
  credentials: ChannelCredentials,
  baseURL: string | undefined,
): LineAudienceApi {
  return new LineAudienceApi(optionsFor(credentials, baseURL));
}

function optionsFor(credentials: ChannelCredentials, baseURL: string | undefined): LineApiOptions {
  const { channelId, channelSecret, channelAccessToken } = credentials;
  return {
    ...(channelId
      ? { tokens: statelessTokens({ channelId, channelSecret, ...(baseURL && { baseURL }) }) }
      : { channelAccessToken }),
    ...(baseURL && { baseURL }),
  };
}
