#!/usr/bin/env bash
# Makes the policy pack (policy/) ready for `--policy-pack policy`:
# - its packages: `npm ci --prefix policy` when policy/node_modules is missing or older than
#   policy/package-lock.json (npm ci also builds, through the pack's `prepare` script);
# - its JavaScript: `tsc -p policy` when policy/bin/policy/index.js is missing or older than any of
#   the pack's TypeScript sources (its own and conventions/, which it shares with the components)
#   or its tsconfig.json.
# The pack runs from that JavaScript (package.json "main"), so that a preview never type-checks
# it through ts-node: on a machine without ts-node's cache (every CI job) that cost seconds.
#
# Safe to run side by side: one install or build at a time, under a lock in the cache.
# Usage: scripts/policy-pack.sh   (prints what it did on stderr; exit status non-zero on failure)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"

pack="$ROOT/policy"
built="$pack/bin/policy/index.js"

build_current() {
  [ -f "$built" ] || return 1
  [ -z "$(find "$pack" "$ROOT/conventions" -path "$pack/node_modules" -prune -o -path "$pack/bin" -prune -o \
    \( -name '*.ts' -o -name tsconfig.json -o -name package.json \) -newer "$built" -print -quit)" ]
}

# npm ci also builds, through the pack's `prepare` script.
"$ROOT/scripts/npm-packages.sh" "$pack"
build_current && exit 0

mkdir -p "$K8S_ML_CACHE"
exec 8>"$K8S_ML_CACHE/policy-pack.lock"
command -v flock >/dev/null 2>&1 && flock 8
if ! build_current; then
  echo "policy-pack: building the pack's JavaScript (tsc -p policy)" >&2
  npm run --prefix "$pack" --silent build >&2
fi
