import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string }[];
    suppressedViolations: { ruleName: string; suppressionReason?: string; reason?: string }[];
  }[];
}

// Bundling is skipped here (the cdk-synth test bundles for real); the template is the same.
function synth(context: Record<string, string> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = buildApp(app);
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as Report;
  return { template: Template.fromStack(stack), report };
}

const { template, report } = synth({ alarmEmail: 'ops@example.com' });
const resources = (type: string) =>
  Object.values(template.findResources(type)) as { Properties: Record<string, unknown> }[];

describe('LineGroups stack', () => {
  it('cdk-nag AwsSolutions: no finding is left open, and every accepted one says why', () => {
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nag.violations).toEqual([]);
    expect(nag.suppressedViolations.length).toBeGreaterThan(0);
    for (const s of nag.suppressedViolations)
      expect(JSON.stringify(s)).toMatch(/"(reason|suppressionReason)":"[^"]{20,}/);
  });

  it('webhook function: Node 22 on arm64, bounded, no secret in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({ LINE_SECRET_ID: { Ref: Match.stringLikeRegexp('LineChannel') } }),
      },
    });
    for (const fn of resources('AWS::Lambda::Function')) {
      const env = JSON.stringify(fn.Properties.Environment ?? {});
      expect(env).not.toMatch(/LINE_CHANNEL_SECRET|LINE_CHANNEL_ACCESS_TOKEN/);
    }
  });

  it('every log group expires', () => {
    for (const group of resources('AWS::Logs::LogGroup'))
      expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('tables: on demand, point-in-time recovery, deletion protection, kept on stack deletion', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(8);
    for (const table of Object.values(tables)) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: [
            expect.objectContaining({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        },
      });
    }
  });

  it('groups table has the byStatus and byEnrichmentDue indexes; events table has its TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'line-groups-groups',
      KeySchema: [{ AttributeName: 'groupId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'statusChangedAt', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byEnrichmentDue',
          KeySchema: [
            { AttributeName: 'enrichment', KeyType: 'HASH' },
            { AttributeName: 'enrichmentDueAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'line-groups-group-events',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('API: POST /webhook only, proxy to the function, throttled, access-logged', () => {
    const methods = resources('AWS::ApiGateway::Method');
    expect(methods.map((m) => m.Properties.HttpMethod)).toEqual(['POST']);
    template.hasResourceProperties('AWS::ApiGateway::Method', { Integration: { Type: 'AWS_PROXY' } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'webhook' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })],
    });
    template.hasOutput('WebhookUrl', {});
  });

  it('secrets: created by the stack, or taken by name from context', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    synth({ lineSecretName: 'prod/line-channel' }).template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('alarms reach operators by email: ejections, webhook failures, Lambda errors and throttles, DynamoDB throttling', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const alarms = resources('AWS::CloudWatch::Alarm').map((a) => a.Properties);
    const metrics = alarms.map((a) => `${String(a.Namespace)}/${String(a.MetricName)}`);
    expect(metrics).toEqual(
      expect.arrayContaining([
        'LineGroups/groupsEjected',
        'LineGroups/webhookErrors',
        'AWS/ApiGateway/5XXError',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Throttles',
        'AWS/DynamoDB/ReadThrottleEvents',
        'AWS/DynamoDB/WriteThrottleEvents',
      ]),
    );
    for (const alarm of alarms)
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/AlarmsTopic/) }]);
  });

  it('campaigns fan out through a queue with a dead-letter queue, to workers that report partial failures', () => {
    template.resourceCountIs('AWS::SQS::Queue', 4);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'line-groups-campaign-planner',
      Timeout: 900,
    });
    for (const fn of resources('AWS::Lambda::Function').filter(
      (f) => f.Properties.Handler === 'index.handler',
    )) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    template.hasOutput('CampaignFunction', {});
  });

  it('least privilege: no wildcard actions or resources; DynamoDB actions only on our tables', () => {
    for (const policy of resources('AWS::IAM::Policy')) {
      const statements = (
        policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
      ).Statement;
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
        expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
        if (actions.some((a) => a.startsWith('dynamodb:'))) {
          // Each resource is one of our tables' ARNs (an index only where a Query needs it).
          for (const resource of [statement.Resource].flat()) {
            expect(JSON.stringify(resource)).toMatch(
              /^\{"Fn::GetAtt":\["Registry\w+","(Arn|StreamArn)"\]\}$|\/index\/(byStatus|byEnrichmentDue|outbox|sweep)"\]\]\}$/,
            );
          }
          // Deletes only outbox entries (group events); a Scan only where an abandoned batch is
          // no longer in the stream (the inbox).
          if (actions.includes('dynamodb:DeleteItem'))
            expect(JSON.stringify(statement.Resource)).toMatch(/RegistryGroupEvents/);
          if (actions.includes('dynamodb:Scan'))
            expect(JSON.stringify(statement.Resource)).toMatch(
              /^\{"Fn::GetAtt":\["RegistryInbox\w+","Arn"\]\}$/,
            );
        }
      }
    }
  });

  it("acknowledge first: the webhook may only write the inbox table (and read the operator's keywords)", () => {
    const webhookRole = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('WebhookFunction'),
    )?.[1] as { Properties: { Role: { 'Fn::GetAtt': [string] } } };
    const roleId = webhookRole.Properties.Role['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
            .Statement,
      );
    const dynamo = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryInbox/), 'Arn'] },
      }),
      expect.objectContaining({
        Action: 'dynamodb:BatchGetItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistrySettings/), 'Arn'] },
      }),
    ]);
  });

  it('the inbox streams new items to the processor: in order, partial failures, bisection, INSERT only, giving up after hours to the sweeper', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'line-groups-inbox',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'deadLetters' }),
        Match.objectLike({
          IndexName: 'sweep',
          KeySchema: [
            { AttributeName: 'sweep', KeyType: 'HASH' },
            { AttributeName: 'sweepAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryInbox'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // A bad deploy no longer skips batches in minutes: retries go on for 6 hours.
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('AbandonedBatches'), 'Arn'] } },
      },
    });
    // The sweeper takes the abandoned batches from that queue, and sweeps every five minutes.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AbandonedBatches'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'line-groups-group-events',
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'outbox' })],
    });
    const alarms = resources('AWS::CloudWatch::Alarm').map(
      (a) => `${String(a.Properties.Namespace)}/${String(a.Properties.MetricName)}`,
    );
    expect(alarms).toEqual(
      expect.arrayContaining([
        'LineGroups/eventsDeadLettered',
        'LineGroups/massLeaves',
        'LineGroups/enrichmentsAbandoned',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/SQS/NumberOfMessagesSent',
        'AWS/Lambda/IteratorAge',
      ]),
    );
    template.hasOutput('InboxTable', {});
  });
});
