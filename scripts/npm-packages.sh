#!/usr/bin/env bash
# Installs the npm packages of a folder (`npm ci --prefix <dir>`, from its package-lock.json) when
# its node_modules is missing or older than the lockfile; otherwise does nothing. One install at
# a time, under a lock in the cache, since the tests, previews and main job may run side by side.
# Usage: scripts/npm-packages.sh <dir>   (expects Node.js on PATH: source scripts/node-env.sh)
set -euo pipefail
dir="$1"
lock="$dir/package-lock.json"
installed="$dir/node_modules/.package-lock.json"
current() { [ -f "$installed" ] && ! [ "$lock" -nt "$installed" ]; }
current && exit 0
cache="${K8S_ML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-ml-patterns}"
mkdir -p "$cache"
exec 8>"$cache/npm-ci.lock"
command -v flock >/dev/null 2>&1 && flock 8
if ! current; then
  echo "npm-packages: installing the packages of $dir (npm ci)" >&2
  npm ci --prefix "$dir" --no-audit --no-fund >&2
fi
