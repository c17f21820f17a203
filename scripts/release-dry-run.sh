#!/usr/bin/env bash
# The release, without publishing: what .github/workflows/release.yml does before it publishes.
# `npm run release:dry-run` runs it on a contributor's machine; the workflow runs it too (with
# RELEASE_BUMPED=1 after it has set the version), so both build and check the same way.
#
#  1. the next version and its CHANGELOG.md section (scripts/release-version.sh --dry-run);
#  2. every package, built by `npm run package` (jsii-pacmak) into dist/;
#  3. each package checked as its registry would take it:
#     npm     `npm publish --dry-run` of the tarball, which holds .jsii, the library and README
#     PyPI    `twine check --strict` (metadata and README render), the wheel holds the assembly
#     Maven   jar, sources jar, javadoc jar and a pom with what Maven Central requires
#     Go      `go vet` and `go build` of the generated module
#     NuGet   the .nupkg, built with a .NET SDK (`dotnet`); a machine without one (this project's)
#             says so and skips it, unless REQUIRE_DOTNET=1 (the workflow) makes that an error.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
failures=0
ok() { echo "release-dry-run: ok: $*"; }
bad() { echo "release-dry-run: FAILED: $*" >&2; failures=$((failures + 1)); }

pkg_name="$(node -p "require('./package.json').name")"
version="$(node -p "require('./package.json').version")"
module="$(node -p "require('./package.json').jsii.targets.python.module")"
group="$(node -p "require('./package.json').jsii.targets.java.maven.groupId")"
artifact="$(node -p "require('./package.json').jsii.targets.java.maven.artifactId")"
java_package="$(node -p "require('./package.json').jsii.targets.java.package")"

# 1. Version and changelog.
if [ -z "${RELEASE_BUMPED:-}" ]; then
  bash scripts/release-version.sh --dry-run
fi

# 2. Every package, as the workflow builds it.
rm -rf dist
npm run package
if command -v dotnet >/dev/null 2>&1; then
  npx jsii-pacmak --targets dotnet
elif [ -n "${REQUIRE_DOTNET:-}" ]; then
  bad "NuGet: no .NET SDK (dotnet) on this machine, and REQUIRE_DOTNET is set"
else
  echo "release-dry-run: SKIPPED: NuGet: no .NET SDK (dotnet) here; dist/dotnet holds the generated sources only (the workflow builds the .nupkg)"
fi

# 3a. npm.
tarball="$(ls dist/js/*.tgz)"
listing="$(tar -tzf "$tarball")"
for f in package/.jsii package/lib/index.js package/lib/index.d.ts package/README.md package/LICENSE package/package.json package/lib/cli/main.js; do
  grep -qx "$f" <<<"$listing" || bad "npm: $tarball lacks $f"
done
if npm publish --dry-run --ignore-scripts "$tarball" >/tmp/release-dry-run-npm.log 2>&1; then
  ok "npm: $(basename "$tarball") ($(grep -c . <<<"$listing") files), npm publish --dry-run passes"
else
  bad "npm: npm publish --dry-run: $(tail -3 /tmp/release-dry-run-npm.log)"
fi

# 3b. PyPI.
twine=.tools/venv/bin/twine
if [ ! -x "$twine" ]; then
  bad "PyPI: twine is not installed in .tools/venv: run bash scripts/install-tools.sh"
else
  if "$twine" check --strict dist/python/* >/tmp/release-dry-run-twine.log 2>&1; then
    ok "PyPI: $(cd dist/python && echo *) pass twine check --strict"
  else
    bad "PyPI: twine check: $(tail -5 /tmp/release-dry-run-twine.log)"
  fi
  wheel="$(ls dist/python/*.whl)"
  python3 -m zipfile -l "$wheel" | grep -q "$module/_jsii/.*\.jsii\.tgz" || bad "PyPI: $wheel holds no jsii assembly under $module/_jsii/"
fi

# 3c. Maven Central.
before_maven=$failures
dir="dist/java/${group//.//}/$artifact/$version"
for suffix in .jar -sources.jar -javadoc.jar .pom; do
  [ -s "$dir/$artifact-$version$suffix" ] || bad "Maven: $dir/$artifact-$version$suffix is missing"
done
if [ -s "$dir/$artifact-$version.jar" ]; then
  classes="$(python3 -m zipfile -l "$dir/$artifact-$version.jar")"
  grep -q "${java_package//.//}/\$Module.class" <<<"$classes" || bad "Maven: the jar has no ${java_package//.//}/\$Module.class"
  grep -q '\.jsii\.tgz' <<<"$classes" || bad "Maven: the jar holds no jsii assembly"
fi
if [ -s "$dir/$artifact-$version.pom" ]; then
  for element in name description url licenses developers scm; do
    grep -q "<$element>" "$dir/$artifact-$version.pom" || bad "Maven: the pom has no <$element>, which Maven Central requires"
  done
fi
[ "$failures" -eq "$before_maven" ] && ok "Maven: $artifact-$version jar, sources, javadoc and pom"

# 3d. Go.
# In a copy: the module is published without a go.sum (its users' go.sum records the sums), and
# go vet needs one; `go mod tidy` writes it there from the Go module proxy.
gomod="$(ls dist/go/*/go.mod)"
gocopy="$(mktemp -d)"
cp -r "$(dirname "$gomod")/." "$gocopy"
if (cd "$gocopy" && go mod tidy && go vet ./... && go build ./...) >/tmp/release-dry-run-go.log 2>&1; then
  ok "Go: $(sed -n 's/^module //p' "$gomod") passes go vet and go build"
else
  bad "Go: $(tail -5 /tmp/release-dry-run-go.log)"
fi
rm -rf "$gocopy"

# 3e. NuGet.
if ls dist/dotnet/*.nupkg >/dev/null 2>&1; then
  for nupkg in dist/dotnet/*.nupkg; do
    if python3 -m zipfile -l "$nupkg" | grep -q '\.nuspec'; then ok "NuGet: $(basename "$nupkg")"; else bad "NuGet: $nupkg has no .nuspec"; fi
  done
fi

if [ "$failures" -ne 0 ]; then
  echo "release-dry-run: $failures check(s) failed; nothing would be published" >&2
  exit 1
fi
echo "release-dry-run: $pkg_name $version: every package builds and passes its registry's checks (nothing published)"
