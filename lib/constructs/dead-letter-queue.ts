import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Where something that gave up waits for an operator: encrypted, TLS only, kept two weeks. */
export function deadLetterQueue(scope: Construct, id: string, whatFor: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    enforceSSL: true,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: `This is itself the dead-letter queue of ${whatFor}; it needs none of its own.`,
  });
  return queue;
}
