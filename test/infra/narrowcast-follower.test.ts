import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LineGroupsStack } from '../../lib/line-groups-stack';

// The stack alone (cdk-nag is test/infra/stack.test.ts's): what narrowcasts run on, and alarm on.
const synth = (props: ConstructorParameters<typeof LineGroupsStack>[2] = {}) =>
  Template.fromStack(
    new LineGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'LineGroups', props),
  );
const template = synth();

type Policy = {
  Properties: { PolicyName: string; PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
};

describe('the narrowcast follower', () => {
  it('runs every minute with the audience timeout (24 hours unless given), no EventBridge retry', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Follows narrowcast campaigns'),
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ AUDIENCE_READY_TIMEOUT_HOURS: '24' }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NarrowcastsFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    synth({ audienceReadyTimeoutHours: 6 }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIENCE_READY_TIMEOUT_HOURS: '6' }) },
    });
    expect(() => synth({ audienceReadyTimeoutHours: 0 })).toThrow(
      'audienceReadyTimeoutHours must be above 0',
    );
  });

  it('may only query its index, read and update the campaigns table (and read the LINE secret): nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Policy[];
    const follower = policies.filter((p) => /^NarrowcastsFunction/.test(p.Properties.PolicyName));
    const statements = follower.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::GetAtt': [expect.stringMatching(/^RegistryCampaigns/), 'Arn'] }, '/index/narrowcastsDue'],
          ],
        },
      }),
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryCampaigns/), 'Arn'] },
      }),
    ]);
    const others = statements
      .filter((s) => !JSON.stringify(s.Action).includes('dynamodb:'))
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]) as string[]);
    for (const action of others) expect(action).toMatch(/^(secretsmanager:|logs:)/);
  });

  it('alarms on any failed narrowcast, saying what to look at; and on its errors and throttles', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LineGroups',
      MetricName: 'narrowcastsFailed',
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp('narrowcast campaign failed.*npm run campaign -- status'),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    });
    for (const metric of ['Errors', 'Throttles'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^NarrowcastsFunction') } },
        ],
      });
  });
});
