/**
 * The examples, as one CDK app (cdk.json's `app`). `npx cdk synth` writes one template per stack
 * into cdk.out/; no AWS account or credentials are needed. Two policy-validation plugins check
 * every template: cdk-nag's AWS Solutions rules and this package's coverage rule (Guard).
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CoverageRule } from '../lib';
import { AquaNginxStack } from './aqua-nginx';
import { LoadBalancedServiceStack } from './load-balanced-service';
import { MultiContainerStack } from './multi-container';
import { WholeAppStack } from './whole-app';

const app = new App();
// cdk-nag's AWS Solutions rules: a finding without an acknowledgement (and its reason) fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
// The coverage rule (docs/coverage.md): an unprotected container of a Fargate task fails `cdk synth`.
Validations.of(app).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CoverageRule.guardFile()] }));
new AquaNginxStack(app, 'AquaNginx');
new MultiContainerStack(app, 'MultiContainer');
new LoadBalancedServiceStack(app, 'LoadBalancedService');
new WholeAppStack(app, 'WholeApp');
app.synth();
