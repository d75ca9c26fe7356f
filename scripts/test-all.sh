#!/usr/bin/env bash
# Every test of the project, on a fresh machine or a working copy: sets up Node.js 22 and the
# npm packages when they are missing or stale, then runs the fast suite (npm test), actionlint
# on the workflows, the real-preview integration tests and the end-to-end tests against the
# local cluster. The Go-built toolchain is built on first use and cached outside the repo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
scripts/npm-packages.sh "$PWD"
step() {
  echo "== $* ==" >&2
  local start=$SECONDS
  "$@"
  echo "== $* took $((SECONDS - start)) s ==" >&2
}
# Every toolchain family first: on a cold cache they build two at a time (scripts/toolchain.sh),
# instead of one after the other as each suite below asks for its own.
step bash scripts/toolchain.sh
step npm test
step npm run lint:workflows
step npm run test:integration
step npm run test:e2e
