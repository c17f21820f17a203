/**
 * The examples, as one CDK app (cdk.json's `app`). `npx cdk synth` writes one template per stack
 * into cdk.out/; no AWS account or credentials are needed.
 */
import { App } from 'aws-cdk-lib';
import { AquaNginxStack } from './aqua-nginx';
import { LoadBalancedServiceStack } from './load-balanced-service';
import { MultiContainerStack } from './multi-container';

const app = new App();
new AquaNginxStack(app, 'AquaNginx');
new MultiContainerStack(app, 'MultiContainer');
new LoadBalancedServiceStack(app, 'LoadBalancedService');
app.synth();
