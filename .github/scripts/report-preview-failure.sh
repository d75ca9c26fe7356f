#!/usr/bin/env bash
# Posts a failed `pulumi preview` of one stack on its pull request (pull-request.yml).
#
# pulumi/actions comments only after a preview that succeeded, so on a mandatory policy
# violation the pull request would keep showing the last green preview. This script runs the
# same preview again with the CLI the action installed, keeps the policy report (or the end of
# the output when there is none), and writes it into the stack's preview comment: the comment
# starts with the action's own heading and carries its "Pulumi report" summary, so the action
# edits this comment again once the preview passes.
#
# Environment: STACK (short name: Pulumi.<STACK>.yaml, policy-config/<STACK>.json),
# STACK_NAME (as given to the backend), PR_NUMBER, GITHUB_REPOSITORY, GH_TOKEN; optional
# HEAD_SHA and RUN_URL (shown in the comment), PREVIEW_OUTPUT (a file with the preview output
# to use instead of running the preview) and REPORT_DRY_RUN=1 (print the comment instead of
# posting it; then PR_NUMBER, GITHUB_REPOSITORY and GH_TOKEN are not needed).
set -euo pipefail

: "${STACK:?}" "${STACK_NAME:?}"
dry_run="${REPORT_DRY_RUN:-0}"
if [ "$dry_run" != 1 ]; then
  : "${PR_NUMBER:?}" "${GITHUB_REPOSITORY:?}" "${GH_TOKEN:?}"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

output="${PREVIEW_OUTPUT:-}"
if [ -z "$output" ]; then
  output="$work/preview.txt"
  if command -v pulumi >/dev/null 2>&1; then
    pulumi preview --stack "$STACK_NAME" --policy-pack policy \
      --policy-pack-config "policy-config/$STACK.json" \
      --non-interactive --color never --suppress-progress >"$output" 2>&1 || true
  else
    echo "The Pulumi CLI was not installed: the preview did not start." >"$output"
  fi
fi

# The policy section and the diagnostics after it (the CLI prints them after the resources,
# before the outputs), else the end of the output.
report="$work/report.txt"
if grep -Eq '^(Policies|Policy Violations):' "$output"; then
  awk '/^(Policies|Policy Violations):/ { p = 1 } /^(Outputs|Resources):/ { if (p) exit } p' \
    "$output" >"$report"
else
  tail -n 200 "$output" >"$report"
fi
# A comment holds 65,536 characters; keep the last 60,000 bytes of the report.
if [ "$(wc -c <"$report")" -gt 60000 ]; then
  tail -c 60000 "$report" >"$work/tail.txt"
  mv "$work/tail.txt" "$report"
fi

project="$(sed -n -E 's/^name:[[:space:]]*//p' Pulumi.yaml | head -1)"
heading="#### :tropical_drink: \`preview\` on ${project}/${STACK_NAME}"
body="$work/body.md"
{
  printf '%s\n\n' "$heading"
  printf ':x: **The preview failed**%s: a mandatory policy violation or an error. ' \
    "${HEAD_SHA:+ for ${HEAD_SHA:0:7}}"
  printf 'The check stays red until the next push previews cleanly.'
  if [ -n "${RUN_URL:-}" ]; then printf ' [Job log](%s)' "$RUN_URL"; fi
  printf '\n\n<details open>\n<summary>Pulumi report</summary>\n\n<pre>\n'
  sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$report"
  printf '</pre>\n</details>\n'
} >"$body"

if [ "$dry_run" = 1 ]; then
  cat "$body"
  exit 0
fi

jq -n --rawfile body "$body" '{body: $body}' >"$work/payload.json"
comment_id="$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" |
  jq -r --arg heading "$heading" \
    '.[] | select(.user.type == "Bot" and (.body | startswith($heading))) | .id' | tail -n 1)"
if [ -n "$comment_id" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$comment_id" \
    --input "$work/payload.json" >/dev/null
  echo "report-preview-failure: updated comment $comment_id on #$PR_NUMBER"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
    --input "$work/payload.json" >/dev/null
  echo "report-preview-failure: commented on #$PR_NUMBER"
fi
