#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, built from its
# Go module by scripts/toolchain.sh (tools/actionlint, pinned in its go.mod; cached after the
# first build). Needs Go, not Node.js: .ci/run calls it beside `npm test`.
#
#   scripts/lint-workflows.sh [actionlint flags...]
#
# actionlint also runs shellcheck on every `run:` script when shellcheck is on PATH (Debian's
# `shellcheck` package); without it those scripts are not checked and a note says so. The
# scripts under .github/scripts/ are checked with shellcheck directly, when it is there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bin_dir="$(scripts/toolchain.sh --print-path actionlint)"
actionlint="$bin_dir/actionlint"

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "lint-workflows: no workflow in .github/workflows" >&2
  exit 1
fi

if command -v shellcheck >/dev/null 2>&1; then
  shellcheck_note="run: scripts checked with $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
  scripts=(.github/scripts/*.sh)
  if [ ${#scripts[@]} -gt 0 ]; then
    shellcheck "${scripts[@]}"
  fi
else
  shellcheck_note="shellcheck not on PATH: run: scripts not checked (apt-get install shellcheck)"
fi

echo "lint-workflows: $("$actionlint" -version | head -1), ${#workflows[@]} workflows; $shellcheck_note" >&2
"$actionlint" "$@" "${workflows[@]}"
echo "lint-workflows: ok" >&2
