import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { TableRole } from '../../lambda/adapters/dynamodb/tables';
import {
  BY_REACH_INDEX,
  BY_STATUS_INDEX,
  PENDING_CORRECTIONS_INDEX,
} from '../../lambda/adapters/dynamodb/tables';
import { filesBesideBundle } from '../bundling';
import { CONSOLE_ROLES } from '../console/auth/roles';
import { grantLineSecret, type LineSecretAccess } from './line-secret';
import { NodeFunction } from './node-function';

export interface ConsoleSiteProps {
  tables: Record<TableRole, dynamodb.TableV2>;
  environment: Record<string, string>;
  lineSecret: LineSecretAccess;
  /** The campaign planner: the console starts campaigns through it, as `campaign send --aws` does. */
  campaignPlanner: lambda.IFunction;
  /** The managed login's domain prefix (unique in the region). */
  domainPrefix: string;
}

/**
 * The operators' console for a team (`cdk deploy -c console=true`): a Cognito user pool as its
 * OpenID Connect provider (no self sign-up, TOTP required), the console as one function behind an
 * HTTP API with throttling and access logs.
 */
export class ConsoleSite extends Construct {
  readonly userPool: cognito.UserPool;
  readonly url: string;
  readonly fn: lambda.Function;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { tables } = props;

    this.userPool = new cognito.UserPool(this, 'Operators', {
      // Operators are added by an admin (npm run operators -- add), never by themselves.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      // Who may change coupons for thousands of groups outlives a stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const id of ['AwsSolutions::AwsSolutions-COG3', 'AwsSolutions::AwsSolutions-COG8'])
      Validations.of(this.userPool).acknowledge({
        id,
        reason:
          'Threat protection needs the Plus feature plan (a cost per user); TOTP MFA is required of everyone and there is no self sign-up.',
      });
    for (const role of CONSOLE_ROLES)
      new cognito.UserPoolGroup(this, `Group${role}`, {
        userPool: this.userPool,
        groupName: role,
        description:
          role === 'operator' ? 'console: every page, and changes' : 'console: every page, no change',
      });

    const api = new apigwv2.HttpApi(this, 'Api', {
      description: 'line-groups operators console',
      createDefaultStage: false,
    });
    this.url = `https://${api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/`;

    const client = this.userPool.addClient('Console', {
      // A public client with PKCE: no client secret to keep in the function.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${this.url}auth/callback`],
        logoutUrls: [`${this.url}auth/signed-out`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    const domain = this.userPool.addDomain('Login', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // Seals the session cookies; rotating it signs everyone out.
    const sessionSecret = new secretsmanager.Secret(this, 'SessionKey', {
      description: 'line-groups console: the key that seals session cookies',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(sessionSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'A new value only signs everyone out; rotate it by putting a new value when an operator leaves.',
    });

    this.fn = new NodeFunction(this, 'Console', {
      handler: 'console',
      description: 'Operators console: sign-in (Cognito), pages and changes, audit trail',
      timeout: Duration.seconds(29),
      environment: {
        ...props.environment,
        CONSOLE_AUTH: 'oidc',
        OIDC_ISSUER: `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`,
        OIDC_CLIENT_ID: client.userPoolClientId,
        OIDC_ROLES_CLAIM: 'cognito:groups',
        CONSOLE_PUBLIC_URL: this.url,
        CONSOLE_SESSION_SECRET_ID: sessionSecret.secretArn,
        COGNITO_LOGOUT_URL: `${domain.baseUrl()}/logout`,
        CAMPAIGN_FUNCTION: props.campaignPlanner.functionName,
      },
      copyFiles: filesBesideBundle.console,
    }).fn;
    sessionSecret.grantRead(this.fn);
    grantLineSecret(this.fn, props.lineSecret);
    // The function itself, not its versions (grantInvoke would add `<arn>:*`).
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.campaignPlanner.functionArn],
      }),
    );
    this.grantTables(tables);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    api.addRoutes({
      path: '/{proxy+}',
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Pages', this.fn),
    });
    api.addRoutes({
      path: '/',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Home', this.fn),
    });
    new apigwv2.HttpStage(this, 'Stage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // A handful of operators: the limits keep a flood off the function and the bill.
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
    });
    for (const route of api.node.findAll().filter((c) => c instanceof apigwv2.HttpRoute))
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'The console signs people in itself (OpenID Connect with PKCE) and checks the session and role on every request; sign-in pages must be reachable.',
      });

    new CfnOutput(Stack.of(this), 'ConsoleUrl', { value: this.url, description: 'The operators console' });
    new CfnOutput(Stack.of(this), 'ConsoleUserPoolId', {
      value: this.userPool.userPoolId,
      description: 'npm run operators -- ... reads it (OPERATORS_USER_POOL_ID)',
    });
    new CfnOutput(Stack.of(this), 'ConsoleLoginDomain', { value: domain.baseUrl() });
  }

  /** What the pages read, and only what an operator may change (never the audit trail's past). */
  private grantTables(tables: Record<TableRole, dynamodb.TableV2>) {
    const allow = (actions: string[], ...resources: string[]) =>
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    // Reads: the registry and its counts, the events of a chat, campaigns and their deliveries.
    allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], tables.groups.tableArn);
    allow(['dynamodb:Query'], `${tables.groups.tableArn}/index/${BY_STATUS_INDEX}`);
    allow(['dynamodb:Query'], tables.groupEvents.tableArn, tables.deliveries.tableArn);
    allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem'], tables.registryStats.tableArn);
    // Each chat's reach (counts, no person), and chats below a reach for a friend-card campaign.
    allow(['dynamodb:GetItem'], tables.chatReach.tableArn);
    allow(['dynamodb:Query'], `${tables.chatReach.tableArn}/index/${BY_REACH_INDEX}`);
    // A chat's known members on its page (names and friend yes/no: operators' business).
    allow(['dynamodb:Query'], tables.members.tableArn);
    allow(['dynamodb:BatchGetItem'], tables.friendships.tableArn);
    // Attendance: the month table, pending corrections, the switch and the decisions.
    allow(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      tables.attendance.tableArn,
    );
    allow(['dynamodb:Query'], `${tables.attendance.tableArn}/index/${PENDING_CORRECTIONS_INDEX}`);
    // Coupons and campaigns are listed whole: tens of items, not millions.
    allow(['dynamodb:GetItem', 'dynamodb:Scan'], tables.campaigns.tableArn);
    allow(
      ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Scan', 'dynamodb:PutItem'],
      tables.coupons.tableArn,
    );
    // Changes: the group coupon and templates; a leave request on the chat (with its counts).
    allow(
      ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      tables.settings.tableArn,
    );
    allow(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'], tables.groups.tableArn);
    allow(['dynamodb:UpdateItem'], tables.registryStats.tableArn);
    allow(['dynamodb:PutItem'], tables.groupEvents.tableArn);
    // The trail: added to and read, never updated or deleted.
    allow(['dynamodb:PutItem', 'dynamodb:Query'], tables.audit.tableArn);
  }
}
