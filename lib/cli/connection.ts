import { tableNamesFrom } from '../../lambda/adapters/dynamodb/tables';
import { documentClient } from '../../lambda/adapters/dynamodb/document-client';
import { localDynamoDbEndpoint } from '../local/defaults';

export interface ConnectionFlags {
  aws?: boolean;
  'groups-table'?: string;
  'events-table'?: string;
}

/**
 * Where the operators' CLIs read: DYNAMODB_ENDPOINT if set; else AWS with `--aws` (standard
 * credentials and region from the environment); else the local stack `npm start` runs.
 */
export function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env) {
  const endpoint = env.DYNAMODB_ENDPOINT || (flags.aws ? undefined : localDynamoDbEndpoint);
  const tables = tableNamesFrom(env, { groups: flags['groups-table'], groupEvents: flags['events-table'] });
  return { client: documentClient({ dynamoDbEndpoint: endpoint }, env), tables, endpoint: endpoint ?? 'AWS' };
}

export const connectionOptions = {
  aws: { type: 'boolean' },
  'groups-table': { type: 'string' },
  'events-table': { type: 'string' },
} as const;
