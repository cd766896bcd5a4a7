import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LineGroupsStack } from '../../lib/line-groups-stack';

// The stack alone (cdk-nag and the bundles are test/infra/stack.test.ts's): what campaigns alarm on.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(new LineGroupsStack(app, 'LineGroups'));

describe('campaign alarms and grants', () => {
  it.each([
    ['campaignsPausedForQuota', /monthly message limit.*npm run campaign -- resume <id> --aws/],
    ['campaignsRefused', /refused before any push.*monthly quota/],
  ])('%s alarms on any, saying why and what to do', (metricName, description) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LineGroups',
      MetricName: metricName,
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp(description.source),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmsTopic') }],
    });
  });

  it('the worker may update the campaign record: a pause for the quota, and the last batch ending it', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: {
        PolicyName: string;
        PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] };
      };
    }[];
    const worker = policies.find((p) => /CampaignsWorker/.test(p.Properties.PolicyName))!;
    expect(worker.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryCampaigns/), 'Arn'] },
      }),
    );
  });
});
