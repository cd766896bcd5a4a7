import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../lambda/webhook/handle-request';
import { tableDefinitions, tableRoles } from '../../lambda/adapters/dynamodb/tables';
import { buildApp } from '../../lib/app';

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string }[];
    suppressedViolations: { ruleName: string; suppressionReason?: string; reason?: string }[];
  }[];
}

// The feature flags cdk.json gives `cdk deploy`, so what is asserted here is what deploys.
const { context: featureFlags } = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
) as { context: Record<string, unknown> };

// Bundling is skipped here (the cdk-synth test bundles for real); the template is the same.
function synth(context: Record<string, string> = {}) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = buildApp(app);
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as Report;
  return { template: Template.fromStack(stack), report };
}

const { template, report } = synth({ alarmEmail: 'ops@example.com' });
/** Every index our tables define (an index ARN in a policy must be one of them). */
const INDEXES = Object.values(tableDefinitions).flatMap((t) =>
  t.globalSecondaryIndexes.map((i) => i.indexName),
);
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

  it("webhook function: Node 22 on arm64, bounded by LINE's 2 s, no secret in its environment", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 2,
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
    expect(Object.keys(tables)).toHaveLength(tableRoles.length);
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
    const wildcards = (resource: unknown) => [resource].flat().filter((r) => r === '*');
    // The check itself: a lone "*" and one inside a list are both found.
    expect([wildcards('*'), wildcards(['arn:aws:s3:::b', '*'])]).toEqual([['*'], ['*']]);
    for (const policy of resources('AWS::IAM::Policy')) {
      const statements = (
        policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
      ).Statement;
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
        expect(wildcards(statement.Resource)).toEqual([]);
        if (actions.some((a) => a.startsWith('dynamodb:'))) {
          // Each resource is one of our tables' ARNs (an index only where a Query needs it).
          for (const resource of [statement.Resource].flat()) {
            const text = JSON.stringify(resource);
            const index = /\/index\/(\w+)"\]\]\}$/.exec(text)?.[1];
            if (index) expect(INDEXES).toContain(index);
            else expect(text).toMatch(/^\{"Fn::GetAtt":\["Registry\w+","(Arn|StreamArn)"\]\}$/);
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
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], // sorted (@aws-cdk/aws-iam:minimizePolicies)
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
        'LineGroups/peopleReadFailures',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/SQS/NumberOfMessagesSent',
        'AWS/Lambda/IteratorAge',
      ]),
    );
    template.hasOutput('InboxTable', {});
  });

  const alarmsOn = (t: Template) =>
    Object.entries(t.findResources('AWS::CloudWatch::Alarm')).map(
      ([id, a]) =>
        ({ id, ...(a as { Properties: Record<string, unknown> }).Properties }) as Record<string, unknown> & {
          id: string;
        },
    );
  const alarmNamed = (id: string, t = template) => {
    const found = alarmsOn(t).filter((a) => a.id.startsWith(`Alarms${id}`));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('WAF before the API: no x-line-signature 401, a Content-Length of 1,000,000 or more 413, one address over a fifth of the stage rate 429', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const [acl] = resources('AWS::WAFv2::WebACL');
    expect(acl!.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = acl!.Properties.Rules as Record<string, unknown>[];
    expect(rules).toEqual([
      expect.objectContaining({
        Name: 'RatePerIp',
        Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        Statement: {
          RateBasedStatement: { Limit: (500 * 60) / 5, EvaluationWindowSec: 60, AggregateKeyType: 'IP' },
        },
      }),
      expect.objectContaining({
        Name: 'RequireLineSignature',
        Action: { Block: { CustomResponse: { ResponseCode: 401 } } },
        Statement: {
          NotStatement: {
            Statement: {
              SizeConstraintStatement: expect.objectContaining({
                FieldToMatch: { SingleHeader: { Name: 'x-line-signature' } },
                ComparisonOperator: 'GT',
                Size: 0,
              }) as unknown,
            },
          },
        },
      }),
      expect.objectContaining({
        Name: 'BodyTooLarge',
        Action: { Block: { CustomResponse: { ResponseCode: 413 } } },
        Statement: {
          SizeConstraintStatement: expect.objectContaining({
            FieldToMatch: { SingleHeader: { Name: 'content-length' } },
            ComparisonOperator: 'GT',
            Size: String(WEBHOOK_BODY_LIMIT_BYTES).length - 1, // 7 digits or more
          }) as unknown,
        },
      }),
    ]);
    // On the API's stage, whose rate it protects.
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookApiFirewall'), 'Arn'] },
    });
    const association = JSON.stringify(resources('AWS::WAFv2::WebACLAssociation')[0]!.Properties.ResourceArn);
    expect(association).toMatch(
      /\/restapis\/",\{"Ref":"WebhookApi\w+"\},"\/stages\/",\{"Ref":"WebhookApiDeploymentStageprod\w+"\}/,
    );
    expect(alarmNamed('WebhookRateLimited')).toMatchObject({
      Namespace: 'AWS/WAFV2',
      MetricName: 'BlockedRequests',
      Dimensions: expect.arrayContaining([{ Name: 'Rule', Value: 'RatePerIp' }]) as unknown,
    });
  });

  it('-c waf=false: no web ACL, and the cdk-nag finding it leaves is accepted with the reason', () => {
    const without = synth({ waf: 'false' });
    without.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    without.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(alarmsOn(without.template).some((a) => a.id.startsWith('AlarmsWebhookRateLimited'))).toBe(false);
    const nag = without.report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nag.violations).toEqual([]);
    expect(nag.suppressedViolations).toContainEqual(
      expect.objectContaining({
        ruleName: 'AwsSolutions-APIG3',
        reason: expect.stringMatching(/waf=false.*HMAC signature.*413/) as unknown,
      }),
    );
    // With the WAF, nothing about it is suppressed.
    const nagWith = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nagWith.suppressedViolations.map((v) => v.ruleName)).not.toContain('AwsSolutions-APIG3');
    expect(() => synth({ waf: 'maybe' })).toThrow('-c waf must be true or false, got "maybe"');
  });

  it('alarms for what stops intake silently: bad signatures, latency p99, failed replies, every function throttled, the on-failure queue unreachable, campaign queue age, index throttles', () => {
    expect(alarmNamed('SignatureRejected')).toMatchObject({
      Namespace: 'LineGroups',
      MetricName: 'signatureRejected',
      Threshold: 1,
    });
    expect(alarmNamed('RepliesFailed')).toMatchObject({
      Namespace: 'LineGroups',
      MetricName: 'repliesFailed',
    });
    expect(alarmNamed('WebhookLatencyP99')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 1000,
      EvaluationPeriods: 3,
    });
    for (const fn of ['InboxProcessor', 'GroupEnricher', 'CampaignPlanner', 'CampaignWorker'])
      expect(alarmNamed(`${fn}Throttles`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
      });
    expect(alarmNamed('InboxDeadLetterDeliveryFailures')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'DestinationDeliveryFailures',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ProcessingProcessor/) as unknown } },
      ],
    });
    expect(alarmNamed('CampaignQueueAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 1800,
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [expect.stringMatching(/^CampaignsBatches/), 'QueueName'] },
        },
      ],
    });
    const indexes = alarmsOn(template).flatMap((a) => {
      const dimensions = (a.Dimensions ?? []) as { Name: string; Value: unknown }[];
      const index = dimensions.find((d) => d.Name === 'GlobalSecondaryIndexName');
      return index ? [`${String(a.MetricName)} ${String(index.Value)}`] : [];
    });
    expect(indexes.sort()).toEqual(
      Object.values(tableDefinitions)
        .flatMap((t) => t.globalSecondaryIndexes.map((i) => i.indexName))
        .flatMap((index) => [`ReadThrottleEvents ${index}`, `WriteThrottleEvents ${index}`])
        .sort(),
    );
  });

  it('a heartbeat: no webhook event in 24 hours alarms (no data counts), -c heartbeatHours moves it, 0 turns it off', () => {
    const heartbeat = (t = template) => alarmNamed('NoWebhookEvents', t);
    expect(heartbeat()).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 24,
      TreatMissingData: 'breaching',
      Metrics: expect.arrayContaining([
        expect.objectContaining({ Expression: 'FILL(accepted, 0) + FILL(ignored, 0)' }),
        expect.objectContaining({
          Id: 'accepted',
          MetricStat: expect.objectContaining({
            Metric: expect.objectContaining({ MetricName: 'eventsAccepted' }) as unknown,
            Period: 3600,
          }) as unknown,
        }),
      ]) as unknown,
    });
    expect(heartbeat(synth({ heartbeatHours: '6' }).template)).toMatchObject({ EvaluationPeriods: 6 });
    const off = synth({ heartbeatHours: '0' }).template;
    expect(alarmsOn(off).some((a) => a.id.startsWith('AlarmsNoWebhookEvents'))).toBe(false);
    expect(() => synth({ heartbeatHours: '200' })).toThrow(/heartbeatHours must be whole hours from 0/);
  });

  it('the alarm topic is encrypted with a rotating key of its own that CloudWatch may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('an existing secret under a customer-managed key: -c lineSecretKmsKeyArn lets every function that reads it decrypt, through Secrets Manager only', () => {
    const keyArn = 'arn:aws:kms:ap-northeast-1:123456789012:key/1111-2222';
    const imported = synth({ lineSecretName: 'prod/line-channel', lineSecretKmsKeyArn: keyArn }).template;
    const decrypting = Object.values(imported.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('kms:Decrypt'),
    ) as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }[];
    const readers = Object.values(imported.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('secretsmanager:GetSecretValue'),
    );
    // Every function that reads the secret: the webhook, processor, enricher, sweeper, campaigns.
    expect(readers.length).toBeGreaterThanOrEqual(6);
    expect(decrypting).toHaveLength(readers.length);
    for (const policy of decrypting) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: keyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
          },
        },
      });
    }
    const plain = synth({ lineSecretName: 'prod/line-channel' }).template.findResources('AWS::IAM::Policy');
    expect(Object.values(plain).filter((p) => JSON.stringify(p).includes('kms:Decrypt'))).toEqual([]);
    expect(() => synth({ lineSecretKmsKeyArn: keyArn })).toThrow(/give lineSecretName too/);
    expect(() => synth({ lineSecretName: 'prod/line-channel', lineSecretKmsKeyArn: 'alias/line' })).toThrow(
      /lineSecretKmsKeyArn must be a KMS key ARN/,
    );
  });
});
