import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { MetricName } from '../../lambda/app/ports';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/runtime/observability-names';

/** The SNS topic operators subscribe to, and the alarms that publish to it. */
export class OperatorAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: { email?: string }) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'line-groups alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /** A metric our functions publish (Powertools EMF, dimension `service`). */
  static appMetric(name: MetricName): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  }

  /** Alarms on any non-zero sum in five minutes; "no data" means nothing happened. */
  alarmOnAny(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return this.alarm(id, metric, 1, description);
  }

  /** Alarms when the metric reaches `threshold` in one period. */
  alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}
