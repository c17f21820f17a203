#!/usr/bin/env bash
# Compatibility: builds the library and runs its whole jest suite against another aws-cdk-lib
# than the devDependency. The devDependency is the lowest version the peer range allows, which
# `npm run test:fast` tests; this script tests the other end of the range, by default NEWEST
# below (the newest aws-cdk-lib published on npm that installs and passes here; raise it when a
# newer one does), or the version given as the first argument ("latest" asks npm).
#
# It works in a temporary copy of the checkout (tracked and untracked, not ignored, files), with a
# copy of node_modules in which only aws-cdk-lib and what it needs change, so the checkout and its
# node_modules are never touched. `npm test` runs it (npm run test:compat); CI with it.
#
# One suite is left out: test/api-reference.test.ts compares API.md with what jsii-docgen writes,
# and API.md documents the library built against the devDependency (inherited props differ).
#
# Usage: bash scripts/test-cdk-versions.sh [VERSION|latest] [jest arguments...]
set -euo pipefail
NEWEST=2.276.0
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-$NEWEST}"
shift || true
if [ "$version" = latest ]; then
  version="$(npm view aws-cdk-lib@latest version)"
fi
if ! [[ "$version" =~ ^2\.[0-9]+\.[0-9]+$ ]]; then
  echo "test-cdk-versions: '$version' is not an aws-cdk-lib v2 version (e.g. $NEWEST or latest)" >&2
  exit 2
fi
peer_floor="$(node -p "require('$root/package.json').peerDependencies['aws-cdk-lib'].replace(/^\\^/, '')")"
if ! node -e "
  const [a, b] = [process.argv[1], process.argv[2]].map(v => v.split('.').map(Number));
  process.exit(a[1] > b[1] || (a[1] === b[1] && a[2] >= b[2]) ? 0 : 1);" "$version" "$peer_floor"; then
  echo "test-cdk-versions: aws-cdk-lib $version is below the peer range's floor $peer_floor" >&2
  exit 2
fi
[ -d "$root/node_modules" ] || { echo "test-cdk-versions: run 'npm ci' first" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cef-cdk-$version-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$root"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$work" -xf -
cp -a node_modules "$work/node_modules"
# The PyPI tools of the tests (cfn-lint, ...) live in the checkout's .tools/venv.
[ -d .tools ] && ln -s "$root/.tools" "$work/.tools"

cd "$work"
echo "test-cdk-versions: aws-cdk-lib $version in $work"
# The copy's package.json asks for this aws-cdk-lib. @aws-cdk/cloud-assembly-schema is pinned for
# the Go package of the lowest version only (see CONTRIBUTING.md); a newer aws-cdk-lib brings the
# schema it needs.
node -e "
  const fs = require('fs');
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf-8'));
  pkg.devDependencies['aws-cdk-lib'] = process.argv[1];
  delete pkg.devDependencies['@aws-cdk/cloud-assembly-schema'];
  fs.writeFileSync('package.json', JSON.stringify(pkg, null, 2) + '\\n');" "$version"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
installed="$(node -p "require('aws-cdk-lib/package.json').version")"
if [ "$installed" != "$version" ]; then
  echo "test-cdk-versions: asked for aws-cdk-lib $version, node_modules has $installed" >&2
  exit 1
fi

# jsii compiles the library against this version's types (warnings are errors, but for the one
# this copy causes on purpose: its devDependency on aws-cdk-lib is no longer the peer's floor),
# then every jest suite runs.
npx jsii --fail-on-warnings --silence-warnings metadata/missing-dev-dependency
chmod +x lib/cli/main.js
npx jest --ci --testPathIgnorePatterns /test/api-reference.test.ts -- "$@"
echo "test-cdk-versions: aws-cdk-lib $installed: build and jest passed"
