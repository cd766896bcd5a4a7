#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { LineGroupsStack } from '../lib/line-groups-stack';

const app = new App();
new LineGroupsStack(app, 'LineGroups', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
