import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BY_ENRICHMENT_DUE_INDEX,
  BY_STATUS_INDEX,
  BY_USER_INDEX,
  CHECKS_DUE_INDEX,
  NAMES_DUE_INDEX,
  OUTBOX_INDEX,
  SWEEP_INDEX,
  type TableRole,
} from '../../lambda/adapters/dynamodb/tables';
import { deadLetterQueue } from './dead-letter-queue';
import { grantLineSecret, type LineSecretAccess } from './line-secret';
import { NodeFunction } from './node-function';

export interface InboxProcessingProps {
  tables: Record<TableRole, dynamodb.TableV2>;
  environment: Record<string, string>;
  lineSecret: LineSecretAccess;
}

/**
 * Everything after the webhook's answer: the processor on the inbox table's stream (records in
 * order per chat, partial batch failures, bisection), the enricher, every minute, for the chat
 * names LINE still owes, and the sweeper: when the stream gives up on a batch (after hours, not
 * minutes), AWS sends its whereabouts to a queue; the sweeper reads the batch again and, every
 * five minutes, applies it and finishes work left after any commit. Nothing accepted is left behind.
 */
export class InboxProcessing extends Construct {
  readonly processor: lambda.IFunction;
  readonly enricher: lambda.IFunction;
  readonly sweeper: lambda.IFunction;
  /** Where the stream puts the whereabouts of a batch it gave up on (the sweeper consumes it). */
  readonly abandonedBatches: sqs.Queue;
  /** Abandoned batches the sweeper itself could not keep after five tries. */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: InboxProcessingProps) {
    super(scope, id);
    const { tables } = props;
    const allow = (fn: lambda.IFunction, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the abandoned-batches queue');
    this.abandonedBatches = new sqs.Queue(this, 'AbandonedBatches', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });

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
        // the function failing as a whole (a bad deploy, DynamoDB down, secret unreadable): they
        // go on for hours, not minutes (a bad deploy burns 100 retries in minutes), and then
        // the batch's whereabouts go to the queue, from which the sweeper takes it back.
        retryAttempts: -1,
        maxRecordAge: Duration.hours(6),
        // Only new items: the processor's own updates (attempts) and TTL deletions are not work.
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
        onFailure: new SqsDlq(this.abandonedBatches),
      }),
    );
    grantLineSecret(processor, props.lineSecret);
    /**
     * The members, their friendships and each chat's reach: read and written in transactions
     * (members with the chat's reach, conditioned on the friendships they were counted by).
     */
    const mayKeepPeople = (fn: lambda.IFunction) => {
      allow(
        fn,
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [tables.members.tableArn],
      );
      allow(
        fn,
        ['dynamodb:Query'],
        [
          `${tables.members.tableArn}/index/${BY_USER_INDEX}`,
          `${tables.members.tableArn}/index/${NAMES_DUE_INDEX}`,
        ],
      );
      allow(
        fn,
        ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
        [tables.friendships.tableArn],
      );
      allow(fn, ['dynamodb:Query'], [`${tables.friendships.tableArn}/index/${CHECKS_DUE_INDEX}`]);
      allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem'], [tables.chatReach.tableArn]);
    };
    /** What applying events needs: the registry, its records and outbox, its counts, the offers. */
    const mayApplyEvents = (fn: lambda.IFunction) => {
      allow(
        fn,
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        [tables.groups.tableArn],
      );
      // Records and outbox entries (written with the chat; an entry is deleted once done).
      allow(
        fn,
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        [tables.groupEvents.tableArn],
      );
      allow(fn, ['dynamodb:UpdateItem'], [tables.inbox.tableArn]);
      // Counts move in the registry's transactions; a mass leave reads its chats through byStatus.
      allow(
        fn,
        ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        [tables.registryStats.tableArn],
      );
      allow(fn, ['dynamodb:Query'], [`${tables.groups.tableArn}/index/${BY_STATUS_INDEX}`]);
      allow(fn, ['dynamodb:BatchGetItem'], [tables.settings.tableArn, tables.coupons.tableArn]);
      // Attendance: the chat's switch, its punches (written once, with the reply's outbox entry).
      allow(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], [tables.attendance.tableArn]);
      mayKeepPeople(fn);
    };
    mayApplyEvents(processor);

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
    grantLineSecret(enricher, props.lineSecret);
    allow(enricher, ['dynamodb:Query'], [`${tables.groups.tableArn}/index/${BY_ENRICHMENT_DUE_INDEX}`]);
    allow(enricher, ['dynamodb:GetItem', 'dynamodb:PutItem'], [tables.groups.tableArn]);
    allow(enricher, ['dynamodb:UpdateItem'], [tables.registryStats.tableArn]);
    // A status it finds (an ejection) is announced through the outbox; leaves nearby are recounted.
    allow(
      enricher,
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      [tables.groupEvents.tableArn],
    );
    // Members' display names and friendship checks owed, read with the chats' names and sizes.
    mayKeepPeople(enricher);

    const sweeper = new NodeFunction(this, 'Sweeper', {
      handler: 'inbox-sweeper',
      description:
        'Keeps the batches the stream gave up on and applies them; finishes work left after a commit',
      timeout: Duration.minutes(5),
      environment: props.environment,
    }).fn;
    sweeper.addEventSource(
      new SqsEventSource(this.abandonedBatches, { batchSize: 10, reportBatchItemFailures: true }),
    );
    // A member TTL deleted (180 days unseen): the chat's reach is recounted without them.
    sweeper.addEventSource(
      new DynamoEventSource(tables.members, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        retryAttempts: 10,
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('REMOVE'),
            userIdentity: {
              type: lambda.FilterRule.isEqual('Service'),
              principalId: lambda.FilterRule.isEqual('dynamodb.amazonaws.com'),
            },
          }),
        ],
      }),
    );
    new events.Rule(this, 'EveryFiveMinutes', {
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(sweeper, { retryAttempts: 0 })],
    });
    grantLineSecret(sweeper, props.lineSecret);
    mayApplyEvents(sweeper);
    // The abandoned batch read again from the stream (24 hours), or past that found in the table.
    allow(
      sweeper,
      ['dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
      [tables.inbox.tableStreamArn ?? tables.inbox.tableArn],
    );
    allow(sweeper, ['dynamodb:Scan'], [tables.inbox.tableArn]);
    allow(sweeper, ['dynamodb:Query'], [`${tables.inbox.tableArn}/index/${SWEEP_INDEX}`]);
    allow(sweeper, ['dynamodb:Query'], [`${tables.groupEvents.tableArn}/index/${OUTBOX_INDEX}`]);

    this.processor = processor;
    this.enricher = enricher;
    this.sweeper = sweeper;
  }
}
