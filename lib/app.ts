import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LineGroupsStack } from './line-groups-stack';

/** The CDK app: the stack from context values, checked by cdk-nag's AWS Solutions pack on every synth. */
export function buildApp(app: App): LineGroupsStack {
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const stack = new LineGroupsStack(app, 'LineGroups', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    lineSecretName: context('lineSecretName'),
    lineSecretKmsKeyArn: context('lineSecretKmsKeyArn'),
    alarmEmail: context('alarmEmail'),
    ejectionWindowSeconds: context('ejectionWindowSeconds')
      ? Number(context('ejectionWindowSeconds'))
      : undefined,
    waf: booleanContext(app, 'waf'),
    heartbeatHours: hoursContext(app, 'heartbeatHours'),
    console: booleanContext(app, 'console'),
    consoleDomainPrefix: context('consoleDomainPrefix'),
    audienceReadyTimeoutHours: hoursContext(app, 'audienceReadyTimeoutHours'),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

/** `-c key=true|false` (a string on the command line, a boolean in cdk.json). */
function booleanContext(app: App, key: string): boolean | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`-c ${key} must be true or false, got "${String(value)}"`);
}

/** Whole hours a CloudWatch alarm can look back over: 0 to 168 (7 days). */
function hoursContext(app: App, key: string): number | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined) return undefined;
  const hours = Number(value);
  if (!Number.isInteger(hours) || hours < 0 || hours > 168)
    throw new Error(`-c ${key} must be whole hours from 0 (no such alarm) to 168, got "${String(value)}"`);
  return hours;
}
