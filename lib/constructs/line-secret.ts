import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Stack } from 'aws-cdk-lib';

/** The channel's credentials as the functions get them: the secret, and its key when it is a customer's. */
export interface LineSecretAccess {
  secret: secretsmanager.ISecret;
  /** The customer-managed KMS key an existing secret is encrypted with, if any. */
  kmsKeyArn?: string;
}

/**
 * Lets a function read the channel's secret. CDK grants an imported key through its key policy,
 * which it cannot edit (nothing would be granted): with a customer's key the function may also
 * decrypt with it, through Secrets Manager only.
 */
export function grantLineSecret(fn: lambda.IFunction, access: LineSecretAccess): void {
  access.secret.grantRead(fn);
  if (!access.kmsKeyArn) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [access.kmsKeyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(fn).region}.amazonaws.com` },
      },
    }),
  );
}
