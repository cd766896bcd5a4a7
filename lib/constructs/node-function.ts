import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { bundling } from '../bundling';

export interface NodeFunctionProps {
  /** File under lambda/handlers/, without extension. */
  handler: string;
  description: string;
  /** A fixed name, for functions operators invoke by name (the campaign planner). */
  functionName?: string;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** Files put beside the bundle (a static asset the code reads at run time). */
  copyFiles?: string[];
}

/** What every line-groups function shares: Node 22 on arm64, one minified bundle, a log group that expires. */
export class NodeFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role that may write only its own log group (not the AWS-managed basic execution policy).
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      role,
      entry: join(__dirname, '..', '..', 'lambda', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      ...(props.functionName && { functionName: props.functionName }),
      // The Node major the tests run on (node@22), so what is tested is what runs.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'line-groups',
        POWERTOOLS_METRICS_NAMESPACE: 'LineGroups',
        ...props.environment,
      },
      bundling: {
        minify: bundling.minify,
        sourceMap: true,
        sourcesContent: false,
        target: bundling.target,
        format: OutputFormat.CJS,
        // The SDK is bundled (and tree-shaken) rather than taken from the runtime: pinned versions,
        // fewer files to load at cold start.
        externalModules: [],
        mainFields: [...bundling.mainFields],
        metafile: false,
        ...(props.copyFiles && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_input: string, output: string) =>
              (props.copyFiles ?? []).map((file) => `cp "${file}" "${output}/"`),
          },
        }),
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Node.js 22 is the Node major the test suite runs on (node@22); move both together.',
    });
  }
}
