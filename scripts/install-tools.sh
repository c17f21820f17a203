#!/usr/bin/env bash
# Installs what the tests need beyond `npm ci`, on a Debian 12 machine, as root. `.ci/run` calls
# it; a contributor runs it once (`bash scripts/install-tools.sh`). Each step is skipped when its
# tools are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: podman and runc run the synthesized tasks in real containers; busybox-static is
# the shell of a test image; gcc and libc6-dev build the static stub enforcer and app;
# python3-botocore holds the ECS API model; docker-registry, apache2-utils (htpasswd) and openssl
# serve a real registry on 127.0.0.1 for the lookup tests; python3-venv makes .tools/venv;
# and actionlint runs shellcheck on the workflows' run: scripts.
APT_PACKAGES=(podman runc busybox-static gcc libc6-dev python3-botocore docker-registry apache2-utils openssl python3-venv shellcheck)
if ! dpkg -s "${APT_PACKAGES[@]}" >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
fi

# Python tools from PyPI, pinned in scripts/python-tools.txt, in a venv of their own (.tools/venv,
# ignored by git). Tests find them there (test/support/tools.ts).
VENV=.tools/venv
if [ ! -x "$VENV/bin/python" ] || ! cmp -s scripts/python-tools.txt "$VENV/installed.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/python-tools.txt
  cp scripts/python-tools.txt "$VENV/installed.txt"
fi

# Go tools, pinned, built with the machine's Go into .tools/bin (ignored by git): actionlint lints
# the GitHub Actions workflows (test/release.test.ts).
ACTIONLINT_VERSION=v1.7.12
if ! [ -x .tools/bin/actionlint ] || ! .tools/bin/actionlint -version 2>/dev/null | head -1 | grep -qx "$ACTIONLINT_VERSION"; then
  GOBIN="$PWD/.tools/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
