import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { environmentFor, type TableRole } from '../lambda/adapters/dynamodb/tables';
import { CampaignFanOut } from './constructs/campaign-fanout';
import { InboxProcessing } from './constructs/inbox-processing';
import { NodeFunction } from './constructs/node-function';
import { OperatorAlarms } from './constructs/operator-alarms';
import { RegistryTables } from './constructs/registry-tables';
import { WebhookApi } from './constructs/webhook-api';

export interface LineGroupsStackProps extends StackProps {
  /** Name of an existing Secrets Manager secret with the channel's credentials; else one is created. */
  lineSecretName?: string;
  /** Where alarms are emailed (SNS email subscription). */
  alarmEmail?: string;
  ejectionWindowSeconds?: number;
}

/** Everything line-groups runs on in one AWS account: `cdk deploy` is all ops run. */
export class LineGroupsStack extends Stack {
  constructor(scope: Construct, id: string, props: LineGroupsStackProps = {}) {
    super(scope, id, props);

    // The channel secret and access token: never in the template or the functions' environment.
    const lineSecret = props.lineSecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'LineChannel', props.lineSecretName)
      : new secretsmanager.Secret(this, 'LineChannel', {
          description:
            'line-groups: {"channelId": "...", "channelSecret": "..."} of the LINE channel (or channelAccessToken instead of channelId)',
        });
    Validations.of(lineSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'LINE issues and reissues these in the LINE Developers console; ops put the new value (README).',
    });

    const { tables } = new RegistryTables(this, 'Registry');
    const tableNames = Object.fromEntries(
      Object.entries(tables).map(([role, t]) => [role, t.tableName]),
    ) as Record<TableRole, string>;

    const environment = {
      ...environmentFor(tableNames),
      LINE_SECRET_ID: lineSecret.secretArn,
      EJECTION_WINDOW_SECONDS: String(props.ejectionWindowSeconds ?? 60),
    };
    const webhook = new NodeFunction(this, 'Webhook', {
      handler: 'webhook',
      description: 'LINE webhook: verifies the signature, stores the events, answers',
      environment,
    }).fn;
    // The webhook only stores: it may write the inbox and nothing else (no LINE call), and read
    // the operator's keywords (cached a minute) to keep a member's text only where it matters.
    webhook.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
        resources: [tables.inbox.tableArn],
      }),
    );
    webhook.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [tables.settings.tableArn] }),
    );
    lineSecret.grantRead(webhook);

    // LINE's own webhook traffic is modest; the limits keep a flood from running up the bill.
    const api = new WebhookApi(this, 'WebhookApi', { handler: webhook, rateLimit: 500, burstLimit: 1000 });

    const processing = new InboxProcessing(this, 'Processing', { tables, environment, lineSecret });

    // LINE allows 2,000 pushes a second per channel; 5 workers x 200/s stays well under it.
    const campaigns = new CampaignFanOut(this, 'Campaigns', {
      tables,
      environment,
      lineSecret,
      maxWorkers: 5,
      pushesPerSecondPerWorker: 200,
    });

    const alarms = new OperatorAlarms(this, 'Alarms', { email: props.alarmEmail });
    alarms.alarmOnAny(
      'GroupEjected',
      OperatorAlarms.appMetric('groupsEjected'),
      'The OA was ejected from a group because another official account is there. See: npm run groups -- list --status ejected --since 1d --aws',
    );
    alarms.alarmOnAny(
      'WebhookFailures',
      OperatorAlarms.appMetric('webhookErrors'),
      'The webhook could not store events and answered 500 (LINE redelivers only if webhook redelivery is on).',
    );
    alarms.alarmOnAny(
      'EventsDeadLettered',
      OperatorAlarms.appMetric('eventsDeadLettered'),
      'Accepted events failed processing after their retries. See: npm run events -- failed --aws; then: npm run events -- replay --aws',
    );
    alarms.alarmOnAny(
      'InboxBatchesAbandoned',
      processing.abandonedBatches.metricNumberOfMessagesSent({
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      'The inbox stream gave up on a batch after hours of failures (the processor failed as a whole). Nothing to do: the sweeper applies its events within minutes. See: npm run events -- failed --aws',
    );
    alarms.alarmOnAny(
      'InboxDeadLetters',
      processing.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'The sweeper could not read an abandoned inbox batch after five tries (its messages wait in this queue). See README "When processing fails".',
    );
    alarms.alarmOnAny(
      'MassLeave',
      OperatorAlarms.appMetric('massLeaves'),
      'The OA left most of its group chats at once: was "allow joining group chats" turned off? Turn it back on, then: npm run groups -- reinvite --aws',
    );
    alarms.alarmOnAny(
      'EnrichmentsAbandoned',
      OperatorAlarms.appMetric('enrichmentsAbandoned'),
      'LINE did not give a chat its name and size for a day: npm run groups -- show <groupId> --aws',
    );
    alarms.alarm(
      'InboxProcessingLag',
      processing.processor.metric('IteratorAge', {
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      60_000,
      'Accepted events wait more than a minute to be processed (the processor is failing or throttled).',
    );
    alarms.alarmOnAny(
      'Webhook5xx',
      api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'API Gateway answered 5xx to LINE.',
    );
    alarms.alarmOnAny(
      'WebhookLambdaErrors',
      webhook.metricErrors({ period: Duration.minutes(5) }),
      'The webhook function failed.',
    );
    alarms.alarmOnAny(
      'WebhookLambdaThrottles',
      webhook.metricThrottles({ period: Duration.minutes(5) }),
      'The webhook function was throttled.',
    );
    for (const [name, fn] of Object.entries({
      InboxProcessor: processing.processor,
      GroupEnricher: processing.enricher,
      InboxSweeper: processing.sweeper,
      CampaignPlanner: campaigns.planner,
      CampaignWorker: campaigns.worker,
    })) {
      alarms.alarmOnAny(
        `${name}Errors`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        `The ${name} function failed.`,
      );
    }
    alarms.alarmOnAny(
      'CampaignPushFailures',
      OperatorAlarms.appMetric('campaignPushesFailed'),
      'Campaign pushes failed: npm run campaign -- status <id> --aws',
    );
    alarms.alarmOnAny(
      'CampaignPausedForQuota',
      OperatorAlarms.appMetric('campaignsPausedForQuota'),
      "A campaign stopped: LINE answered that the channel's monthly message limit is reached, so nothing more is pushed. Raise the plan (or wait for the month), then: npm run campaign -- resume <id> --aws",
    );
    alarms.alarmOnAny(
      'CampaignRefused',
      OperatorAlarms.appMetric('campaignsRefused'),
      "A campaign was refused before any push: it needs more messages than LINE's monthly quota has left (the planner's log line 'campaign refused' says how many). Send fewer, raise the plan, or pass --ignore-quota.",
    );
    alarms.alarmOnAny(
      'CampaignDeadLetters',
      campaigns.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'Campaign batches gave up after five tries; re-run the campaign to finish them.',
    );
    for (const [role, table] of Object.entries(tables)) {
      for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        alarms.alarmOnAny(
          `${role}${metricName}`,
          new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName,
            dimensionsMap: { TableName: table.tableName },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.minutes(5),
          }),
          `DynamoDB throttled the ${role} table.`,
        );
      }
    }

    new CfnOutput(this, 'WebhookUrl', {
      value: api.url,
      description: 'Paste into the LINE Developers console (Messaging API > Webhook URL)',
    });
    new CfnOutput(this, 'LineSecretArn', {
      value: lineSecret.secretArn,
      description: 'Put the channel secret and access token here',
    });
    new CfnOutput(this, 'GroupsTable', { value: tables.groups.tableName });
    new CfnOutput(this, 'InboxTable', { value: tables.inbox.tableName });
    new CfnOutput(this, 'InboxDeadLetterQueue', { value: processing.deadLetters.queueUrl });
    new CfnOutput(this, 'GroupEventsTable', { value: tables.groupEvents.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'CampaignFunction', {
      value: campaigns.planner.functionName,
      description: 'npm run campaign -- send --aws invokes it',
    });
  }
}
