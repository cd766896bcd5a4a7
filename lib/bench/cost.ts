import { TOKYO_PRICES } from './prices';
import { round } from './stats';

export interface CostInputs {
  /** The webhook's answer to one message, ms (Lambda bills each started millisecond). */
  webhookMs: number;
  webhookMemoryMb: number;
  /** The processor's time per message and the messages in one invocation (stream batch). */
  processorMsPerMessage: number;
  messagesPerInvocation: number;
  processorMemoryMb: number;
  /** DynamoDB request units per message, measured end to end. */
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
}

export interface CostLine {
  part: string;
  usage: string;
  usd: number;
}

/**
 * What a million routine group messages cost on AWS in Tokyo: API Gateway, the two functions'
 * requests and GB-seconds at the measured durations and their memory, DynamoDB's request units
 * as measured, the stream reads (free for Lambda). Durations are DynamoDB Local's, slower than
 * DynamoDB: an upper bound for the compute.
 */
export function costOfAMillion(inputs: CostInputs): { lines: CostLine[]; totalUsd: number } {
  const p = TOKYO_PRICES;
  const million = 1_000_000;
  const gbSeconds = (ms: number, mb: number) => (Math.ceil(ms) / 1000) * (mb / 1024) * million;
  const webhookGbS = gbSeconds(inputs.webhookMs, inputs.webhookMemoryMb);
  const processorInvocations = million / Math.max(1, inputs.messagesPerInvocation);
  const processorGbS = (inputs.processorMsPerMessage / 1000) * (inputs.processorMemoryMb / 1024) * million;
  const lines: CostLine[] = [
    { part: 'API Gateway (REST)', usage: '1,000,000 requests', usd: p.apiGatewayRestPerMillion },
    {
      part: 'Lambda: webhook',
      usage: `1,000,000 requests, ${round(webhookGbS)} GB-s (${Math.ceil(inputs.webhookMs)} ms at ${inputs.webhookMemoryMb} MB)`,
      usd: p.lambdaRequestsPerMillion + webhookGbS * p.lambdaArmPerGbSecond,
    },
    {
      part: 'Lambda: processor',
      usage: `${Math.round(processorInvocations).toLocaleString('en')} requests, ${round(processorGbS)} GB-s`,
      usd:
        (processorInvocations / million) * p.lambdaRequestsPerMillion + processorGbS * p.lambdaArmPerGbSecond,
    },
    {
      part: 'DynamoDB writes',
      usage: `${round(inputs.writeUnitsPerMessage * million).toLocaleString('en')} write request units`,
      usd: inputs.writeUnitsPerMessage * p.dynamoDbWritePerMillion,
    },
    {
      part: 'DynamoDB reads',
      usage: `${round(inputs.readUnitsPerMessage * million).toLocaleString('en')} read request units`,
      usd: inputs.readUnitsPerMessage * p.dynamoDbReadPerMillion,
    },
    {
      part: 'DynamoDB Streams (read by Lambda)',
      usage: 'GetRecords by the trigger',
      usd: p.streamReadsByLambdaPerMillion,
    },
  ].map((l) => ({ ...l, usd: round(l.usd, 3) }));
  return {
    lines,
    totalUsd: round(
      lines.reduce((n, l) => n + l.usd, 0),
      2,
    ),
  };
}
