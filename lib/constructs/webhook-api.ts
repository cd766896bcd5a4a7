import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../lambda/webhook/handle-request';

export interface WebhookApiProps {
  handler: lambda.IFunction;
  rateLimit: number;
  burstLimit: number;
  /** A WAF web ACL in front of the stage (README: what turning it off costs and saves). */
  waf: boolean;
}

/**
 * `POST /webhook` in front of the webhook function, proxy integration: the body reaches the
 * function byte for byte, which the signature check needs.
 */
export class WebhookApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly url: string;
  /** With a WAF, its rule that stops one address flooding the stage (the names its metrics carry). */
  readonly ratePerIpRule?: { webAclName: string; ruleName: string };

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'line-groups-webhook',
      description: 'LINE Messaging API webhook for line-groups',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        tracingEnabled: false,
      },
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG2',
      reason: 'The function checks signature then shape; a validator would answer 400 where LINE needs 401.',
    });
    if (props.waf) {
      this.ratePerIpRule = this.firewall(this.api.deploymentStage, (props.rateLimit * 60) / 5);
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG3',
        reason:
          'Deployed with -c waf=false: forged requests fail the HMAC signature before any read or write, bodies of 1 MB or more are answered 413 by the function, and stage throttling caps floods.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'API Gateway execution logging requires this account-level role with its AWS-managed policy.',
    });
    const webhook = this.api.root.addResource('webhook');
    const post = webhook.addMethod('POST', new apigateway.LambdaIntegration(props.handler, { proxy: true }), {
      // LINE proves who it is with x-line-signature, which the function checks on the raw body.
      authorizationType: apigateway.AuthorizationType.NONE,
    });
    for (const id of ['AwsSolutions::AwsSolutions-APIG4', 'AwsSolutions::AwsSolutions-COG4']) {
      Validations.of(post).acknowledge({
        id,
        reason:
          'LINE cannot present IAM or Cognito credentials; it signs each body (x-line-signature), checked by the function.',
      });
    }
    this.url = this.api.urlForPath('/webhook');
  }

  /**
   * What reaches the stage (and its rate, shared with LINE) is what LINE could have sent: a
   * request with no x-line-signature never does (401), a body too large for Lambda would fail as
   * a 5xx (413, by the digits of Content-Length: WAF reads at most 64 KB of a body), and one
   * address may send at most a fifth of the stage's rate (429), so a single flooding source
   * cannot take it all from LINE. The function checks the signature itself.
   */
  private firewall(stage: apigateway.Stage, requestsPerIpPerMinute: number) {
    const webAclName = 'line-groups-webhook';
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const block = (responseCode: number) => ({ block: { customResponse: { responseCode } } });
    const noTransformation = [{ priority: 0, type: 'NONE' }];
    if (!/^10+$/.test(String(WEBHOOK_BODY_LIMIT_BYTES)))
      throw new Error('WEBHOOK_BODY_LIMIT_BYTES must be a power of ten for the WAF rule');
    const acl = new wafv2.CfnWebACL(this, 'Firewall', {
      name: webAclName,
      description: 'line-groups webhook: what LINE could not have sent never reaches the stage',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(webAclName),
      rules: [
        {
          name: 'RatePerIp',
          priority: 0,
          action: block(429),
          statement: {
            rateBasedStatement: {
              limit: requestsPerIpPerMinute,
              evaluationWindowSec: 60,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('RatePerIp'),
        },
        {
          name: 'RequireLineSignature',
          priority: 1,
          action: block(401),
          statement: {
            notStatement: {
              statement: {
                sizeConstraintStatement: {
                  fieldToMatch: { singleHeader: { Name: 'x-line-signature' } },
                  comparisonOperator: 'GT',
                  size: 0,
                  textTransformations: noTransformation,
                },
              },
            },
          },
          visibilityConfig: visibility('RequireLineSignature'),
        },
        {
          name: 'BodyTooLarge',
          priority: 2,
          action: block(413),
          statement: {
            // More digits than the limit minus one: a Content-Length at or over the limit.
            sizeConstraintStatement: {
              fieldToMatch: { singleHeader: { Name: 'content-length' } },
              comparisonOperator: 'GT',
              size: String(WEBHOOK_BODY_LIMIT_BYTES).length - 1,
              textTransformations: noTransformation,
            },
          },
          visibilityConfig: visibility('BodyTooLarge'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'FirewallOnStage', {
      resourceArn: stage.stageArn,
      webAclArn: acl.attrArn,
    });
    return { webAclName, ruleName: 'RatePerIp' };
  }
}
