import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { MetricName } from '../../lambda/app/ports';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/runtime/observability-names';

/** How an alarm reads its metric, beyond "reaches the threshold once". */
export interface AlarmOptions {
  /** Periods looked at, all of which must breach (default 1). */
  evaluationPeriods?: number;
  comparison?: cloudwatch.ComparisonOperator;
  /** Default: no data means nothing happened. */
  treatMissingData?: cloudwatch.TreatMissingData;
}

/** The SNS topic operators subscribe to, and the alarms that publish to it. */
export class OperatorAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: { email?: string }) {
    super(scope, id);
    // Encrypted at rest with a key of our own: CloudWatch, which publishes the alarms, may not use
    // the AWS-managed SNS key, and alarms sent to a topic under that key never arrive.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'line-groups: encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'line-groups alarms',
      enforceSSL: true,
      masterKey: key,
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /** A metric our functions publish (Powertools EMF, dimension `service`). */
  static appMetric(name: MetricName, period: Duration = Duration.minutes(5)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  }

  /** Alarms on any non-zero sum in five minutes; "no data" means nothing happened. */
  alarmOnAny(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return this.alarm(id, metric, 1, description);
  }

  /** Alarms when the metric reaches `threshold` in one period (or as `options` say). */
  alarm(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    options: AlarmOptions = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator:
        options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}
