import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BY_ENRICHMENT_DUE_INDEX,
  BY_STATUS_INDEX,
  type TableRole,
} from '../../lambda/adapters/dynamodb/tables';
import { deadLetterQueue } from './dead-letter-queue';
import { NodeFunction } from './node-function';

export interface InboxProcessingProps {
  tables: Record<TableRole, dynamodb.TableV2>;
  environment: Record<string, string>;
  lineSecret: secretsmanager.ISecret;
}

/**
 * Everything after the webhook's answer: the processor on the inbox table's stream (records in
 * order per chat, partial batch failures, bisection, and a dead-letter queue for batches whose
 * retries run out), and the enricher, every minute, for the chat names LINE still owes.
 */
export class InboxProcessing extends Construct {
  readonly processor: lambda.IFunction;
  readonly enricher: lambda.IFunction;
  /** Stream batches that gave up (the event source mapping's on-failure destination). */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: InboxProcessingProps) {
    super(scope, id);
    const { tables } = props;
    const allow = (fn: lambda.IFunction, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the inbox stream');

    const processor = new NodeFunction(this, 'Processor', {
      handler: 'inbox-processor',
      description: 'Applies accepted webhook events: registry, replies, LINE reads',
      timeout: Duration.minutes(1),
      environment: props.environment,
    }).fn;
    processor.addEventSource(
      new DynamoEventSource(tables.inbox, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // Each shard's records are split over up to 10 concurrent batches by key: a chat's events
        // always go to the same one, in order.
        parallelizationFactor: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // A failing item becomes a dead letter in the inbox after 3 attempts; these retries cover
        // the function failing as a whole (DynamoDB down, secret unreadable) until it recovers.
        retryAttempts: 100,
        // Only new items: the processor's own updates (attempts) and TTL deletions are not work.
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );
    props.lineSecret.grantRead(processor);
    allow(
      processor,
      ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [tables.groups.tableArn],
    );
    allow(processor, ['dynamodb:PutItem'], [tables.groupEvents.tableArn]);
    allow(processor, ['dynamodb:UpdateItem'], [tables.inbox.tableArn]);
    // Counts move in the registry's transactions; a mass leave reads its chats through byStatus.
    allow(processor, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tables.registryStats.tableArn]);
    allow(processor, ['dynamodb:Query'], [`${tables.groups.tableArn}/index/${BY_STATUS_INDEX}`]);
    allow(processor, ['dynamodb:BatchGetItem'], [tables.settings.tableArn, tables.coupons.tableArn]);

    const enricher = new NodeFunction(this, 'Enricher', {
      handler: 'group-enricher',
      description: 'Reads chat names and sizes LINE still owes, with back-off',
      timeout: Duration.minutes(1),
      environment: props.environment,
    }).fn;
    new events.Rule(this, 'EveryMinute', {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(enricher, { retryAttempts: 0 })],
    });
    props.lineSecret.grantRead(enricher);
    allow(enricher, ['dynamodb:Query'], [`${tables.groups.tableArn}/index/${BY_ENRICHMENT_DUE_INDEX}`]);
    allow(enricher, ['dynamodb:GetItem', 'dynamodb:PutItem'], [tables.groups.tableArn]);
    allow(enricher, ['dynamodb:UpdateItem'], [tables.registryStats.tableArn]);

    this.processor = processor;
    this.enricher = enricher;
  }
}
