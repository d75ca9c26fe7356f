#!/usr/bin/env bash
# Lists the project's stacks: one per Pulumi.<stack>.yaml at the repository root.
#
#   scripts/list-stacks.sh          a JSON array of names, sorted: ["dev","prod"]
#                                   (the GitHub Actions matrix of the pull-request workflow)
#   scripts/list-stacks.sh --lines  one name per line
#
# Every stack needs its policy pack config, policy-config/<stack>.json: a stack without one
# is an error, so a new stack cannot reach a workflow without its policy levels. Also an
# error: no stack at all, or a name outside [A-Za-z0-9_.-] (stack names need no JSON
# escaping then). ROOT (default: this repository) is the directory to look in.
set -euo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

format=json
case "${1:-}" in
  "") ;;
  --lines) format=lines ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 0
    ;;
  *)
    echo "list-stacks: unknown argument $1 (see --help)" >&2
    exit 2
    ;;
esac

stacks=()
missing=()
shopt -s nullglob
for file in "$ROOT"/Pulumi.*.yaml; do
  name="$(basename "$file")"
  name="${name#Pulumi.}"
  name="${name%.yaml}"
  if [[ ! "$name" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "list-stacks: $(basename "$file"): '$name' is not a stack name this project accepts ([A-Za-z0-9_.-])" >&2
    exit 1
  fi
  [ -f "$ROOT/policy-config/$name.json" ] || missing+=("$name")
  stacks+=("$name")
done

if [ ${#stacks[@]} -eq 0 ]; then
  echo "list-stacks: no Pulumi.<stack>.yaml in $ROOT" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  for name in "${missing[@]}"; do
    echo "list-stacks: stack '$name' has no policy-config/$name.json (its --policy-pack-config)" >&2
  done
  exit 1
fi

mapfile -t stacks < <(printf '%s\n' "${stacks[@]}" | LC_ALL=C sort)
if [ "$format" = lines ]; then
  printf '%s\n' "${stacks[@]}"
else
  json="$(printf '"%s",' "${stacks[@]}")"
  printf '[%s]\n' "${json%,}"
fi
