// The TypeScript quick start (examples/aqua-nginx.ts) in Go: nginx protected by the Aqua
// MicroEnforcer, its deployment token in Secrets Manager.
//
// Run from examples/go after `npm run package` at the repository root:
//
//	bash ../run-language.sh go     (or: ../../node_modules/.bin/cdk synth)
//
// go.mod replaces the cdk-enforced-fargate module by the one `npm run package` generates in
// dist/go. README.md's "Quick start in other languages" shows the code between the quick-start
// markers; a test keeps the two equal.
package main

// quick-start:begin

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-enforced-fargate/cdk-enforced-fargate-go/cdkenforcedfargate"
)

func NewAquaNginxStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, props)

	tokenSecret := awssecretsmanager.NewSecret(stack, jsii.String("AquaToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Aqua MicroEnforcer deployment token"),
	})

	enforcer := cdkenforcedfargate.Enforcer_AquaMicroEnforcer(&cdkenforcedfargate.AquaMicroEnforcerProps{
		Image:  awsecs.ContainerImage_FromRegistry(jsii.String("registry.example.com/microenforcer:2022.4"), nil),
		Server: jsii.String("aqua-gateway.internal:8443"),
		Token:  awsecs.Secret_FromSecretsManager(tokenSecret, nil),
	})

	taskDefinition := cdkenforcedfargate.NewEnforcedFargateTaskDefinition(stack, jsii.String("Web"), &cdkenforcedfargate.EnforcedFargateTaskDefinitionProps{
		Cpu:            jsii.Number(512),
		MemoryLimitMiB: jsii.Number(1024),
		Enforcer:       enforcer,
		// nginx's image ENTRYPOINT and CMD (or in cdk.json's context "cdk-enforced-fargate:imageDefaults")
		ImageDefaults: &map[string]*cdkenforcedfargate.ImageDefaults{
			"nginx:1.27": {
				EntryPoint: jsii.Strings("/docker-entrypoint.sh"),
				Command:    jsii.Strings("nginx", "-g", "daemon off;"),
			},
		},
	})
	taskDefinition.AddContainer(jsii.String("nginx"), &awsecs.ContainerDefinitionOptions{
		Image:        awsecs.ContainerImage_FromRegistry(jsii.String("nginx:1.27"), nil),
		Command:      jsii.Strings("nginx", "-g", "daemon off;"),
		PortMappings: &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(80)}},
		Logging:      awsecs.LogDrivers_AwsLogs(&awsecs.AwsLogDriverProps{StreamPrefix: jsii.String("nginx")}),
	})

	return stack
}

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	NewAquaNginxStack(app, "AquaNginx", nil)
	app.Synth(nil)
}

// quick-start:end
