/**
 * AWS prices in Asia Pacific (Tokyo), ap-northeast-1, in US dollars, for the cost figure of
 * `npm run bench`. Kept in this one file so they are easy to check and change.
 *
 * Source: the AWS pricing pages (aws.amazon.com/api-gateway/pricing, /lambda/pricing,
 * /dynamodb/pricing/on-demand), Tokyo, as published in 2025 (DynamoDB after its November 2024
 * on-demand price reduction). Not re-checked from this machine (no internet): check them before
 * you rely on the figure.
 */
export const TOKYO_PRICES = {
  region: 'ap-northeast-1',
  asOf: '2025',
  /** REST API requests, per million (the first 333 million a month). */
  apiGatewayRestPerMillion: 4.25,
  /** Lambda requests, per million. */
  lambdaRequestsPerMillion: 0.2,
  /** Lambda compute on arm64 (Graviton), per GB-second (the first 7.5 billion a month). */
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand write request units, per million. */
  dynamoDbWritePerMillion: 0.7135,
  /** DynamoDB on-demand read request units, per million. */
  dynamoDbReadPerMillion: 0.1425,
  /** GetRecords on a table's stream made by a Lambda trigger: no charge. */
  streamReadsByLambdaPerMillion: 0,
} as const;
