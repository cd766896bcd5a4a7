import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BY_REACH_INDEX, BY_STATUS_INDEX, type TableRole } from '../../lambda/adapters/dynamodb/tables';
import { deadLetterQueue } from './dead-letter-queue';
import { grantLineSecret, type LineSecretAccess } from './line-secret';
import { NodeFunction } from './node-function';

export interface CampaignFanOutProps {
  tables: Record<TableRole, dynamodb.TableV2>;
  environment: Record<string, string>;
  lineSecret: LineSecretAccess;
  /** Workers at once; with PUSHES_PER_SECOND_PER_WORKER this keeps under LINE's push rate limit. */
  maxWorkers: number;
  pushesPerSecondPerWorker: number;
}

/**
 * Campaigns at any size: the planner pages through active groups (byStatus) and puts batches of
 * 100 group ids on a queue; workers push each batch. Failing batches come back (and end in the
 * dead-letter queue after five tries); the deliveries table keeps every group to one push. After
 * LINE's monthly limit, workers set the remaining batches aside unpushed until a resume re-plans.
 */
export class CampaignFanOut extends Construct {
  readonly planner: lambda.IFunction;
  readonly worker: lambda.IFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: CampaignFanOutProps) {
    super(scope, id);
    const { tables } = props;
    this.deadLetters = deadLetterQueue(this, 'DeadLetters', 'the campaign queue');
    const workerTimeout = Duration.minutes(2);
    const queue = new sqs.Queue(this, 'Batches', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // AWS's advice for Lambda consumers: six times the function's timeout.
      visibilityTimeout: Duration.minutes(12),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });

    const planner = new NodeFunction(this, 'Planner', {
      handler: 'campaign-planner',
      functionName: 'line-groups-campaign-planner',
      description: 'Plans a campaign (quota, active groups) and queues its batches',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: { ...props.environment, CAMPAIGN_QUEUE_URL: queue.queueUrl },
    }).fn;
    queue.grantSendMessages(planner);
    grantLineSecret(planner, props.lineSecret);
    const allow = (fn: lambda.IFunction, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    allow(
      planner,
      ['dynamodb:Query'],
      [
        `${tables.groups.tableArn}/index/${BY_STATUS_INDEX}`,
        // The friend-add card to chats below a reach lists them by reach.
        `${tables.chatReach.tableArn}/index/${BY_REACH_INDEX}`,
        tables.deliveries.tableArn,
      ],
    );
    allow(
      planner,
      ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      [tables.campaigns.tableArn],
    );

    const worker = new NodeFunction(this, 'Worker', {
      handler: 'campaign-worker',
      description: 'Pushes one batch of a campaign to its groups',
      timeout: workerTimeout,
      environment: {
        ...props.environment,
        PUSH_CONCURRENCY: '10',
        PUSHES_PER_SECOND_PER_WORKER: String(props.pushesPerSecondPerWorker),
      },
    }).fn;
    worker.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 1,
        maxConcurrency: props.maxWorkers,
        reportBatchItemFailures: true,
      }),
    );
    grantLineSecret(worker, props.lineSecret);
    allow(
      worker,
      ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
      [tables.deliveries.tableArn],
    );
    allow(worker, ['dynamodb:BatchGetItem'], [tables.groups.tableArn]);
    // UpdateItem: a pause for LINE's monthly limit, and the finished batches that end a campaign.
    allow(worker, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], [tables.campaigns.tableArn]);

    this.planner = planner;
    this.worker = worker;
  }
}
