#!/usr/bin/env bash
# The release's version and CHANGELOG.md section, from the conventional commits since the last
# release tag (v*), with commit-and-tag-version (configured by .versionrc.json). The release
# workflow runs it; `npm run release:dry-run` runs it with --dry-run, which changes no file.
#
# - No release tag yet: the first release is package.json's version as it is, and the
#   hand-written "## [Unreleased]" section of CHANGELOG.md becomes its section.
# - No commit since the last tag: nothing to release.
# - Otherwise commit-and-tag-version bumps package.json (feat: minor, fix: patch, a breaking
#   change: major; before 1.0.0 a breaking change bumps the minor) and writes the section.
#
# Prints `released=true|false` and `version=X.Y.Z`, also to $GITHUB_OUTPUT when set.
# Usage: bash scripts/release-version.sh [--dry-run]
set -euo pipefail
CTV=commit-and-tag-version@13.2.1
cd "$(dirname "$0")/.."
dry_run=false
[ "${1:-}" = --dry-run ] && dry_run=true

output() {
  echo "$1"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1" >> "$GITHUB_OUTPUT"; fi
}

current="$(node -p "require('./package.json').version")"
last_tag="$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null || true)"

if [ -z "$last_tag" ]; then
  if ! grep -q '^## \[Unreleased\]$' CHANGELOG.md; then
    echo "release-version: no release tag yet, and CHANGELOG.md has no '## [Unreleased]' section to become $current's" >&2
    exit 1
  fi
  today="$(date -u +%Y-%m-%d)"
  echo "release-version: first release: $current (package.json), CHANGELOG.md's Unreleased section becomes '## [$current] - $today'"
  if [ "$dry_run" = false ]; then
    repo="$(node -p "require('./package.json').repository.url.replace(/\\.git\$/, '')")"
    node - "$current" "$today" "$repo" <<'EOF'
const fs = require('fs');
const [version, today, repo] = process.argv.slice(2);
let text = fs.readFileSync('CHANGELOG.md', 'utf-8');
text = text.replace(/^## \[Unreleased\]$/m, `## [${version}] - ${today}`)
  .replace(/^Nothing has been published yet[^\n]*\n\n/m, '')
  .replace(/^\[Unreleased\]: .*$/m, `[${version}]: ${repo}/releases/tag/v${version}`);
fs.writeFileSync('CHANGELOG.md.tmp', text);
fs.renameSync('CHANGELOG.md.tmp', 'CHANGELOG.md');
EOF
  fi
  output released=true
  output "version=$current"
  exit 0
fi

if [ -z "$(git log --format=%H "$last_tag..HEAD")" ]; then
  echo "release-version: no commit since $last_tag: nothing to release"
  output released=false
  output "version=$current"
  exit 0
fi

args=(--skip.commit --skip.tag)
[ "$dry_run" = true ] && args+=(--dry-run)
log="$(npx --yes "$CTV" "${args[@]}" 2>&1)" || { echo "$log" >&2; exit 1; }
echo "$log" | grep -v 'EBADENGINE\|^npm warn' || true
if [ "$dry_run" = true ]; then
  next="$(echo "$log" | sed -n 's/.*bumping version in package.json from [^ ]* to \([^ ]*\).*/\1/p' | head -1)"
else
  next="$(node -p "require('./package.json').version")"
fi
[ -n "$next" ] || { echo "release-version: could not tell the next version from commit-and-tag-version's output" >&2; exit 1; }
output released=true
output "version=$next"
