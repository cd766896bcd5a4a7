import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';

interface Report {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; violatingResources?: unknown }[];
    suppressedViolations: { ruleName: string; suppressionReason?: string; reason?: string }[];
  }[];
}
interface Statement {
  Action: string | string[];
  Resource: unknown;
}

const { context: featureFlags } = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
) as { context: Record<string, unknown> };

// Bundling is skipped (the cdk-synth test bundles for real); the template is the same.
function synth(context: Record<string, string>) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = buildApp(app);
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as Report;
  return { template: Template.fromStack(stack), report };
}

describe('LineGroups stack with -c console=true', () => {
  const { template, report } = synth({ console: 'true' });
  const consoleRoleStatements = () => {
    const [id] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) =>
      JSON.stringify(fn).includes('"CONSOLE_AUTH":"oidc"'),
    )!;
    const fn = template.findResources('AWS::Lambda::Function')[id] as {
      Properties: { Role: { 'Fn::GetAtt': [string] } };
    };
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) =>
        JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleId),
      )
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
            .Statement,
      );
  };

  it('cdk-nag AwsSolutions passes; every accepted finding says why', () => {
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
    expect(nag.violations).toEqual([]);
    for (const s of nag.suppressedViolations)
      expect(JSON.stringify(s)).toMatch(/"(reason|suppressionReason)":"[^"]{20,}/);
  });

  it('a Cognito user pool: no self sign-up, TOTP MFA required, a strong password policy, kept on delete', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    for (const group of ['operator', 'viewer'])
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
  });

  it('an app client for the code flow (public, PKCE) and the managed login domain', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
      CallbackURLs: [Match.objectLike({ 'Fn::Join': Match.anyValue() })],
    });
    expect(JSON.stringify(template.findResources('AWS::Cognito::UserPoolClient'))).toContain('auth/callback');
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 1);
  });

  it('the console function signs in through the pool, behind an HTTP API with throttling and access logs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          CONSOLE_AUTH: 'oidc',
          OIDC_ROLES_CLAIM: 'cognito:groups',
          OIDC_CLIENT_ID: { Ref: Match.stringLikeRegexp('Console') },
          CONSOLE_SESSION_SECRET_ID: { Ref: Match.stringLikeRegexp('SessionKey') },
          AUDIT_TABLE: { Ref: Match.stringLikeRegexp('RegistryAudit') },
          // Cognito's discovery has no end_session_endpoint: sign-out goes through its /logout.
          COGNITO_LOGOUT_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        }),
      },
    });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(JSON.stringify(fn)).not.toMatch(/OIDC_CLIENT_SECRET|CONSOLE_SESSION_SECRET"/);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasOutput('ConsoleUrl', {});
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'line-groups-audit',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('least privilege: the console may add to the audit trail and read it, never change or delete an entry', () => {
    const statements = consoleRoleStatements();
    const onAudit = statements.filter((s) => JSON.stringify(s.Resource).includes('RegistryAudit'));
    expect(onAudit.flatMap((s) => [s.Action].flat()).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    for (const s of statements) {
      const actions = [s.Action].flat();
      expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
      expect([s.Resource].flat()).not.toContain('*');
      // Deletes only settings (a group coupon unset); no table is scanned but coupons and campaigns.
      if (actions.includes('dynamodb:DeleteItem'))
        expect(JSON.stringify(s.Resource)).toMatch(/RegistrySettings/);
      if (actions.includes('dynamodb:Scan'))
        expect(JSON.stringify(s.Resource)).toMatch(/Registry(Coupons|Campaigns)/);
    }
    // Members and friendships (personal data): read for a chat's page (its members, friend or
    // not), never written.
    const onPeople = statements.filter((s) =>
      /RegistryMembers|RegistryFriendships/.test(JSON.stringify(s.Resource)),
    );
    expect(onPeople.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
    ]);
  });

  it('without -c console=true there is no user pool and no console function', () => {
    const { template: plain } = synth({});
    plain.resourceCountIs('AWS::Cognito::UserPool', 0);
    plain.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    // The CLIs write the audit trail either way.
    plain.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'line-groups-audit' });
  });
});
