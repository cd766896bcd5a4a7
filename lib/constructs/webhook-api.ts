import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * `POST /webhook` in front of the webhook function, proxy integration: the body reaches the
 * function byte for byte, which the signature check needs.
 */
export class WebhookApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly url: string;

  constructor(
    scope: Construct,
    id: string,
    props: { handler: lambda.IFunction; rateLimit: number; burstLimit: number },
  ) {
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
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'Forged requests fail the HMAC signature before any read or write; stage throttling caps floods.',
    });
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
}
