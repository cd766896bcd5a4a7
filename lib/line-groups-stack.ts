import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { environmentFor, tableDefinitions, type TableRole } from '../lambda/adapters/dynamodb/tables';
import { CampaignFanOut } from './constructs/campaign-fanout';
import { InboxProcessing } from './constructs/inbox-processing';
import { grantLineSecret, type LineSecretAccess } from './constructs/line-secret';
import { NodeFunction } from './constructs/node-function';
import { OperatorAlarms } from './constructs/operator-alarms';
import { RegistryTables } from './constructs/registry-tables';
import { WebhookApi } from './constructs/webhook-api';

export interface LineGroupsStackProps extends StackProps {
  /** Name of an existing Secrets Manager secret with the channel's credentials; else one is created. */
  lineSecretName?: string;
  /** The customer-managed KMS key that existing secret is encrypted with, if any: the functions may decrypt with it. */
  lineSecretKmsKeyArn?: string;
  /** Where alarms are emailed (SNS email subscription). */
  alarmEmail?: string;
  ejectionWindowSeconds?: number;
  /** A WAF web ACL in front of the API (default true). */
  waf?: boolean;
  /** Alarm when no webhook event arrived in this many hours (default 24; 0: no such alarm). */
  heartbeatHours?: number;
}

/** Everything line-groups runs on in one AWS account: `cdk deploy` is all ops run. */
export class LineGroupsStack extends Stack {
  constructor(scope: Construct, id: string, props: LineGroupsStackProps = {}) {
    super(scope, id, props);

    // The channel secret and access token: never in the template or the functions' environment.
    if (props.lineSecretKmsKeyArn && !props.lineSecretName)
      throw new Error('lineSecretKmsKeyArn is the key of an existing secret: give lineSecretName too');
    if (
      props.lineSecretKmsKeyArn &&
      !/^arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+$/.test(props.lineSecretKmsKeyArn)
    )
      throw new Error(
        `lineSecretKmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), got "${props.lineSecretKmsKeyArn}"`,
      );
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

    const lineSecretAccess: LineSecretAccess = {
      secret: lineSecret,
      ...(props.lineSecretKmsKeyArn && { kmsKeyArn: props.lineSecretKmsKeyArn }),
    };

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
      // LINE gives up after 2 s; the function answers 500 itself at 1.5 s (WEBHOOK_LIMITS_ON_AWS).
      timeout: Duration.seconds(2),
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
    grantLineSecret(webhook, lineSecretAccess);

    // LINE's own webhook traffic is modest; the limits keep a flood from running up the bill.
    const api = new WebhookApi(this, 'WebhookApi', {
      handler: webhook,
      rateLimit: 500,
      burstLimit: 1000,
      waf: props.waf ?? true,
    });

    const processing = new InboxProcessing(this, 'Processing', {
      tables,
      environment,
      lineSecret: lineSecretAccess,
    });

    // LINE allows 2,000 pushes a second per channel; 5 workers x 200/s stays well under it.
    const campaigns = new CampaignFanOut(this, 'Campaigns', {
      tables,
      environment,
      lineSecret: lineSecretAccess,
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
      'SignatureRejected',
      OperatorAlarms.appMetric('signatureRejected'),
      'Webhooks were refused (401) for a bad signature. Was the channel secret reissued in the LINE Developers console? Put the new one in the secret (README "Rotating the channel secret"): the webhook takes it up within 10 seconds.',
    );
    alarms.alarm(
      'WebhookLatencyP99',
      api.api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      1_000,
      "The webhook's p99 latency has been 1 s or more for 15 minutes; LINE gives up at 2 s. Is DynamoDB slow, or the function throttled?",
      { evaluationPeriods: 3 },
    );
    const heartbeatHours = props.heartbeatHours ?? 24;
    if (heartbeatHours > 0) {
      const hourly = (name: 'eventsAccepted' | 'eventsIgnored') =>
        OperatorAlarms.appMetric(name, Duration.hours(1));
      alarms.alarm(
        'NoWebhookEvents',
        new cloudwatch.MathExpression({
          expression: 'FILL(accepted, 0) + FILL(ignored, 0)',
          usingMetrics: { accepted: hourly('eventsAccepted'), ignored: hourly('eventsIgnored') },
          period: Duration.hours(1),
          label: 'webhook events received',
        }),
        1,
        `No webhook event from LINE in ${heartbeatHours} hours. Is the Webhook URL in the LINE Developers console still this stack's WebhookUrl, with "Use webhook" on? (A quieter OA: -c heartbeatHours=<hours>, or 0 for no such alarm.)`,
        {
          evaluationPeriods: heartbeatHours,
          comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }
    if (api.ratePerIpRule) {
      alarms.alarmOnAny(
        'WebhookRateLimited',
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName: 'BlockedRequests',
          dimensionsMap: {
            WebACL: api.ratePerIpRule.webAclName,
            Rule: api.ratePerIpRule.ruleName,
            Region: this.region,
          },
          statistic: cloudwatch.Stats.SUM,
          period: Duration.minutes(5),
        }),
        'The WAF answered 429 to an address sending more than a fifth of the stage rate. A flood, or LINE itself for a very large OA: then raise the limit (WebhookApi) or deploy with -c waf=false.',
      );
    }
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
      'InboxDeadLetterDeliveryFailures',
      processing.processor.metric('DestinationDeliveryFailures', {
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      'A stream batch that gave up could not be put on the inbox dead-letter queue either, so nothing names it. Its items are still in the inbox table for 7 days: see README "When processing fails".',
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
    // A single failed read is retried later; a steady stream of them means LINE refuses them all
    // (a revoked token, an outage): names and friendships, so reach, stop being current.
    alarms.alarm(
      'PeopleReadsFailing',
      OperatorAlarms.appMetric('peopleReadFailures'),
      20,
      'Reading member names or friendships from LINE keeps failing (20+ in each of three 5-minute periods): is the channel access token valid, is LINE failing? Reach and names are not current until it heals; nothing is lost.',
      { evaluationPeriods: 3 },
    );
    alarms.alarmOnAny(
      'RepliesFailed',
      OperatorAlarms.appMetric('repliesFailed'),
      'Replies to LINE failed: a welcome, coupon or card was not sent (reply tokens are single-use, so they are not retried). Is LINE failing, or processing so late that reply tokens expired?',
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
      alarms.alarmOnAny(
        `${name}Throttles`,
        fn.metricThrottles({ period: Duration.minutes(5) }),
        `The ${name} function was throttled (account concurrency).`,
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
    // The batch queue stays inside CampaignFanOut; its age is the campaign falling behind.
    const campaignBatches = campaigns.node.findChild('Batches') as sqs.Queue;
    alarms.alarm(
      'CampaignQueueAge',
      campaignBatches.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      30 * 60,
      'A campaign batch has waited 30 minutes or more (a million groups take about 17): workers failing, throttled or rate-limited by LINE. npm run campaign -- status <id> --aws',
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
      // A throttled index holds back writes to its table too.
      for (const { indexName } of tableDefinitions[role as TableRole].globalSecondaryIndexes) {
        for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
          alarms.alarmOnAny(
            `${role}${indexName}${metricName}`,
            new cloudwatch.Metric({
              namespace: 'AWS/DynamoDB',
              metricName,
              dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: indexName },
              statistic: cloudwatch.Stats.SUM,
              period: Duration.minutes(5),
            }),
            `DynamoDB throttled the ${indexName} index of the ${role} table.`,
          );
        }
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
