#!/usr/bin/env bash
# Synthesizes one language's quick-start app (examples/<language>/) with the packages that
# `npm run package` built in dist/, after installing what that language needs:
#   python  a venv in examples/python/.venv, aws-cdk-lib + constructs from PyPI, the built wheel
#   java    the built jar installed into the local Maven repository, aws-cdk-lib from Maven Central
#   go      aws-cdk-go from the Go module proxy; go.mod replaces this library by dist/go
# The app writes examples/<language>/cdk.out/AquaNginx.template.json.
# Usage: bash examples/run-language.sh python|java|go
set -euo pipefail
lang="${1:?usage: run-language.sh python|java|go}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/examples/$lang"
cdk="$root/node_modules/.bin/cdk"
export CDK_DISABLE_CLI_TELEMETRY=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

[ -d "$root/dist/$lang" ] || { echo "dist/$lang is missing: run 'npm run package' first" >&2; exit 1; }
cd "$dir"
rm -rf cdk.out

case "$lang" in
  python)
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
    # Same version number on every build: force the freshly built wheel in.
    .venv/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$root"/dist/python/*.whl
    PATH="$dir/.venv/bin:$PATH" "$cdk" synth --quiet --no-notices
    ;;
  java)
    repo="$root/dist/java/io/github/cdk-enforced-fargate/cdk-enforced-fargate"
    version="$(node -p "require('$root/package.json').version")"
    mvn --batch-mode --quiet org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file \
      -Dfile="$repo/$version/cdk-enforced-fargate-$version.jar" \
      -DpomFile="$repo/$version/cdk-enforced-fargate-$version.pom"
    "$cdk" synth --quiet --no-notices
    ;;
  go)
    # Picks up the requirements of the freshly generated module in dist/go (go.sum may grow).
    go mod tidy
    "$cdk" synth --quiet --no-notices
    ;;
  *)
    echo "unknown language '$lang': python, java or go" >&2; exit 2
    ;;
esac
ls cdk.out/AquaNginx.template.json
