import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { NARROWCASTS_DUE_INDEX, type TableRole } from '../../lambda/adapters/dynamodb/tables';
import { grantLineSecret, type LineSecretAccess } from './line-secret';
import { NodeFunction } from './node-function';

export interface NarrowcastFollowerProps {
  tables: Record<TableRole, dynamodb.TableV2>;
  environment: Record<string, string>;
  lineSecret: LineSecretAccess;
  /** How long a narrowcast waits for its audience to become READY (LINE: hours). */
  audienceReadyTimeoutHours: number;
}

/**
 * What a narrowcast campaign needs on AWS: a function every minute that takes each due campaign
 * one step (wait for the audience, send once, follow LINE's progress). It queries, reads and
 * updates only the campaigns table and calls only LINE; one request a minute at most per campaign.
 */
export class NarrowcastFollower extends Construct {
  readonly fn: lambda.IFunction;

  constructor(scope: Construct, id: string, props: NarrowcastFollowerProps) {
    super(scope, id);
    const fn = new NodeFunction(this, 'Function', {
      handler: 'narrowcast-follower',
      description: 'Follows narrowcast campaigns: audience READY, one narrowcast, LINE progress',
      timeout: Duration.minutes(1),
      environment: {
        ...props.environment,
        AUDIENCE_READY_TIMEOUT_HOURS: String(props.audienceReadyTimeoutHours),
      },
    }).fn;
    new events.Rule(this, 'EveryMinute', {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // The next minute is the retry: an EventBridge retry could only overlap it.
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    grantLineSecret(fn, props.lineSecret);
    // The due narrowcasts through their sparse index; no write but an update of one.
    const campaigns = props.tables.campaigns.tableArn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${campaigns}/index/${NARROWCASTS_DUE_INDEX}`],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [campaigns],
      }),
    );
    this.fn = fn;
  }
}
