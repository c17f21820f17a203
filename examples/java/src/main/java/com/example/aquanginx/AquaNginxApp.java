// The TypeScript quick start (examples/aqua-nginx.ts) in Java: nginx protected by the Aqua
// MicroEnforcer, its deployment token in Secrets Manager.
//
// Run from examples/java after `npm run package` at the repository root:
//   bash ../run-language.sh java     (installs the built jar, then `cdk synth` runs `mvn compile exec:java`)
// nginx's image ENTRYPOINT comes from the `cdk-enforced-fargate:imageDefaults` context in cdk.json.
package com.example.aquanginx;

import java.util.List;

import io.github.cdkenforcedfargate.EnforcedFargateTaskDefinition;
import io.github.cdkenforcedfargate.Enforcer;
import io.github.cdkenforcedfargate.AquaMicroEnforcerProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretProps;
import software.constructs.Construct;

public class AquaNginxApp {
    public static class AquaNginxStack extends Stack {
        public AquaNginxStack(final Construct scope, final String id, final StackProps props) {
            super(scope, id, props);

            software.amazon.awscdk.services.secretsmanager.Secret tokenSecret =
                new software.amazon.awscdk.services.secretsmanager.Secret(this, "AquaToken", SecretProps.builder()
                    .description("Aqua MicroEnforcer deployment token")
                    .build());

            Enforcer enforcer = Enforcer.aquaMicroEnforcer(AquaMicroEnforcerProps.builder()
                .image(ContainerImage.fromRegistry("registry.example.com/microenforcer:2022.4"))
                .server("aqua-gateway.internal:8443")
                .token(Secret.fromSecretsManager(tokenSecret))
                .build());

            EnforcedFargateTaskDefinition taskDefinition = EnforcedFargateTaskDefinition.Builder.create(this, "Web")
                .cpu(512)
                .memoryLimitMiB(1024)
                .enforcer(enforcer)
                .build();
            taskDefinition.addContainer("nginx", ContainerDefinitionOptions.builder()
                .image(ContainerImage.fromRegistry("nginx:1.27"))
                .command(List.of("nginx", "-g", "daemon off;"))
                .portMappings(List.of(PortMapping.builder().containerPort(80).build()))
                .logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().streamPrefix("nginx").build()))
                .build());
        }
    }

    public static void main(final String[] args) {
        App app = new App();
        new AquaNginxStack(app, "AquaNginx", null);
        app.synth();
    }
}
