import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RegistryTables } from './tables';

/** Everything line-groups runs on in one AWS account: `cdk deploy` is all ops run. */
export class LineGroupsStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    new RegistryTables(this, 'Registry');
  }
}
