#!/usr/bin/env python3
"""The TypeScript quick start (examples/aqua-nginx.ts) in Python: nginx protected by the Aqua
MicroEnforcer, its deployment token in Secrets Manager.

Run from this folder, after `npm run package` at the repository root:
    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt ../../dist/python/*.whl
    PATH="$PWD/.venv/bin:$PATH" ../../node_modules/.bin/cdk synth
(or `bash ../run-language.sh python` from anywhere). README.md's "Quick start in other languages"
shows the code between the quick-start markers; a test keeps the two equal.
"""
# quick-start:begin
import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs, aws_secretsmanager as secretsmanager
from constructs import Construct
from cdk_enforced_fargate import EnforcedFargateTaskDefinition, Enforcer, ImageDefaults


class AquaNginxStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)

        token_secret = secretsmanager.Secret(self, "AquaToken",
            description="Aqua MicroEnforcer deployment token",
        )

        enforcer = Enforcer.aqua_micro_enforcer(
            image=ecs.ContainerImage.from_registry("registry.example.com/microenforcer:2022.4"),
            server="aqua-gateway.internal:8443",
            token=ecs.Secret.from_secrets_manager(token_secret),
        )

        task_definition = EnforcedFargateTaskDefinition(self, "Web",
            cpu=512,
            memory_limit_mib=1024,
            enforcer=enforcer,
            # nginx's image ENTRYPOINT and CMD (or in cdk.json's context "cdk-enforced-fargate:imageDefaults")
            image_defaults={
                "nginx:1.27": ImageDefaults(
                    entry_point=["/docker-entrypoint.sh"],
                    command=["nginx", "-g", "daemon off;"],
                ),
            },
        )
        task_definition.add_container("nginx",
            image=ecs.ContainerImage.from_registry("nginx:1.27"),
            command=["nginx", "-g", "daemon off;"],
            port_mappings=[ecs.PortMapping(container_port=80)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="nginx"),
        )


app = cdk.App()
AquaNginxStack(app, "AquaNginx")
app.synth()
# quick-start:end
