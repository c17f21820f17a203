/**
 * The examples, as one CDK app (cdk.json's `app`). `npx cdk synth` writes one template per stack
 * into cdk.out/; no AWS account or credentials are needed.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AquaNginxStack } from './aqua-nginx';
import { LoadBalancedServiceStack } from './load-balanced-service';
import { MultiContainerStack } from './multi-container';
import { WholeAppStack } from './whole-app';

const app = new App();
// cdk-nag's AWS Solutions rules: a finding without an acknowledgement (and its reason) fails `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
new AquaNginxStack(app, 'AquaNginx');
new MultiContainerStack(app, 'MultiContainer');
new LoadBalancedServiceStack(app, 'LoadBalancedService');
new WholeAppStack(app, 'WholeApp');
app.synth();
