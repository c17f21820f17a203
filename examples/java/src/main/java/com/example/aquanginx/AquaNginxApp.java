// The TypeScript quick start (examples/aqua-nginx.ts) in Java: nginx protected by the Aqua
// MicroEnforcer, its deployment token in Secrets Manager.
//
// Run from examples/java after `npm run package` at the repository root:
//   bash ../run-language.sh java     (installs the built jar, then `cdk synth` runs `mvn compile exec:java`)
// README.md's "Quick start in other languages" shows the code between the quick-start markers;
// a test keeps the two equal.
package com.example.aquanginx;

// quick-start:begin

import java.util.List;
import java.util.Map;

import io.github.cdkenforcedfargate.EnforcedFargateTaskDefinition;
import io.github.cdkenforcedfargate.Enforcer;
import io.github.cdkenforcedfargate.AquaMicroEnforcerProps;
import io.github.cdkenforcedfargate.ImageDefaults;
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
                // nginx's image ENTRYPOINT and CMD (or in cdk.json's context "cdk-enforced-fargate:imageDefaults")
                .imageDefaults(Map.of("nginx:1.27", ImageDefaults.builder()
                    .entryPoint(List.of("/docker-entrypoint.sh"))
                    .command(List.of("nginx", "-g", "daemon off;"))
                    .build()))
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
// quick-start:end
