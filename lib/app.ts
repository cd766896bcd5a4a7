import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LineGroupsStack } from './line-groups-stack';

/** The CDK app: the stack from context values, checked by cdk-nag's AWS Solutions pack on every synth. */
export function buildApp(app: App): LineGroupsStack {
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const stack = new LineGroupsStack(app, 'LineGroups', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    lineSecretName: context('lineSecretName'),
    alarmEmail: context('alarmEmail'),
    ejectionWindowSeconds: context('ejectionWindowSeconds')
      ? Number(context('ejectionWindowSeconds'))
      : undefined,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
