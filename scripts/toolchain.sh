#!/usr/bin/env bash
# Builds the Go tool families under tools/ (see tools/README.md) into a cache outside the
# repository, and prints where they are.
#
#   scripts/toolchain.sh [family...]               build (default: every tools/*/build.txt)
#   scripts/toolchain.sh --print-path [family...]  build if needed, then print the bin
#                                                  directories joined by ':' on stdout
#
#   PATH="$(scripts/toolchain.sh --print-path pulumi pulumi-kubernetes):$PATH"
#
# A family is a folder tools/<family>/ with a wrapper Go module (go.mod, go.sum, *.go)
# and a build.txt with one line per binary:
#
#   <binary-name> <go-package-path> [extra -ldflags words...]
#
# Blank lines and lines starting with '#' are ignored. `@after <family>...` starts the family
# only once those are built, if this run builds them (pulumi-yaml reuses pulumi's compiled
# packages). All binaries of a family are built by one `go build` (CGO_ENABLED=0, -trimpath,
# -gcflags=all=-dwarf=false, -ldflags "-s -w <extra words of every line>"), so they share
# compile work. If any .go file of the family has a //go:generate directive,
# `go generate ./...` runs first. Both run in a scratch copy of the family's hashed files, so
# generated files never land in the repository.
#
# Binaries go to $K8S_ML_CACHE/toolchain/<family>-<hash>/bin, where <hash> is a sha256
# over the family's go.mod, go.sum, build.txt and *.go files, `go version` and this
# script's recipe version. K8S_ML_CACHE defaults to
# ${XDG_CACHE_HOME:-$HOME/.cache}/k8s-ml-patterns, as in scripts/node-env.sh. A family
# whose cache directory holds all its binaries is not rebuilt. A build is written to a
# temporary directory beside it and renamed into place, so an interrupted build never
# leaves a partial cache. Logs and timings go to stderr.
#
# Families that need building are built TOOLCHAIN_JOBS at a time (default 2: one `go build`
# alone keeps two cores only about half busy, since linking and long dependency chains are
# serial), longest first: by the newest build's time in this cache, or else by the cold build
# times committed in tools/cold-build-seconds.tsv. Each build's output goes
# to its own log, $K8S_ML_CACHE/toolchain/logs/<family>-<hash>.log (`go build -v`, so it
# lists every package compiled); when a build fails, its family, step, exit code, log path
# and the log's last lines are printed, no further family is started, the running ones
# finish, and the script exits 1 naming every failed family. While builds run, a progress
# line per family is printed every TOOLCHAIN_PROGRESS_SECONDS (default 20): family, step,
# elapsed seconds, packages compiled so far (of the packages in its build graph). Each
# build's wall time, CPU time and package count are written to build-info.txt and appended
# to $K8S_ML_CACHE/toolchain/timings.tsv, and a summary with the time of every family
# (cached ones with their recorded build time) ends the run.
#
# Environment: GOMODCACHE and GOCACHE are used as set (share them between families and
# runs); TOOLCHAIN_GO_FLAGS adds flags to `go build` (e.g. "-p 2"); TOOLCHAIN_JOBS and
# TOOLCHAIN_PROGRESS_SECONDS as above; TOOLCHAIN_TOOLS_DIR replaces tools/ (for tests).
set -euo pipefail

# Bump when the way binaries are built changes, so cached builds are not reused.
RECIPE_VERSION=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TOOLCHAIN_TOOLS_DIR:-$ROOT/tools}"
JOBS="${TOOLCHAIN_JOBS:-2}"
PROGRESS_SECONDS="${TOOLCHAIN_PROGRESS_SECONDS:-20}"
K8S_ML_CACHE="${K8S_ML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-ml-patterns}"
export K8S_ML_CACHE
CACHE_DIR="$K8S_ML_CACHE/toolchain"

log() { echo "toolchain: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

print_path=0
families=()
while [ $# -gt 0 ]; do
  case "$1" in
    --print-path) print_path=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) families+=("${1%/}") ;;
  esac
  shift
done

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    die "no 'go' on PATH (Go is expected at /usr/local/go)"
  fi
fi
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is needed"

if [ ${#families[@]} -eq 0 ]; then
  for f in "$TOOLS_DIR"/*/build.txt; do
    [ -e "$f" ] || continue
    families+=("$(basename "$(dirname "$f")")")
  done
  [ ${#families[@]} -gt 0 ] || die "no $TOOLS_DIR/*/build.txt found"
fi

case "$JOBS" in '' | *[!0-9]* | 0) die "TOOLCHAIN_JOBS must be a positive whole number, got '$JOBS'" ;; esac
case "$PROGRESS_SECONDS" in '' | *[!0-9]* | 0) die "TOOLCHAIN_PROGRESS_SECONDS must be a positive whole number, got '$PROGRESS_SECONDS'" ;; esac

GO_VERSION="$(go version)"
LOG_DIR="$CACHE_DIR/logs"
mkdir -p "$CACHE_DIR" "$LOG_DIR"

# family_files FAMILY: the hashed files of a family, relative to its folder, sorted.
family_files() {
  (cd "$TOOLS_DIR/$1" && find . -type f \( -name go.mod -o -name go.sum -o -name build.txt -o -name '*.go' \) \
    -not -path '*/testdata/*' | LC_ALL=C sort)
}

family_hash() {
  local fam="$1"
  {
    echo "recipe $RECIPE_VERSION"
    echo "$GO_VERSION"
    (cd "$TOOLS_DIR/$fam" && family_files "$fam" | while IFS= read -r f; do
      printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done)
  } | sha256sum | cut -c1-16
}

# parse_build_file FILE: sets names[], pkgs[], ldflags_extra and after[] (@after families).
parse_build_file() {
  local file="$1" line words
  names=()
  pkgs=()
  after=()
  ldflags_extra=""
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    read -r -a words <<<"$line"
    [ ${#words[@]} -gt 0 ] || continue
    case "${words[0]}" in \#*) continue ;; esac
    [ "${words[0]}" != "@after" ] || { after+=("${words[@]:1}") && continue; }
    [ ${#words[@]} -ge 2 ] || die "$file: expected '<binary-name> <go-package-path> [ldflags...]': $line"
    names+=("${words[0]}")
    pkgs+=("${words[1]}")
    if [ ${#words[@]} -gt 2 ]; then
      ldflags_extra="$ldflags_extra ${words[*]:2}"
    fi
  done <"$file"
  [ ${#names[@]} -gt 0 ] || die "$file lists no binaries"
}

complete() {
  local dir="$1" n
  for n in "${names[@]}"; do
    [ -x "$dir/bin/$n" ] || return 1
  done
}

# recorded_seconds FAMILY: the wall seconds of the newest recorded build of FAMILY in this
# cache, or else the cold build's seconds committed in tools/cold-build-seconds.tsv, so that
# even a new machine's first run starts the longest builds first; nothing when neither has it.
recorded_seconds() {
  local seconds=""
  [ ! -f "$CACHE_DIR/timings.tsv" ] ||
    seconds="$(awk -F'\t' -v f="$1" '$2 == f { s = $4 } END { if (s != "") print s }' "$CACHE_DIR/timings.tsv")"
  [ -n "$seconds" ] || [ ! -f "$TOOLS_DIR/cold-build-seconds.tsv" ] ||
    seconds="$(awk -F'\t' -v f="$1" '$1 == f { print $2 }' "$TOOLS_DIR/cold-build-seconds.tsv")"
  [ -z "$seconds" ] || echo "$seconds"
}

# info_value FILE KEY: KEY's value in a build-info.txt.
info_value() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -1; }

# ---- one family's build (runs in a background subshell; see run_builds) ----
# shellcheck source=scripts/toolchain-build-job.sh
source "$ROOT/scripts/toolchain-build-job.sh"

# ---- the scheduler ----

STATE_ROOT=""
running_pids=()
on_signal() {
  local p
  for p in "${running_pids[@]+"${running_pids[@]}"}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit 130
}
trap on_signal INT TERM
trap '[ -z "$STATE_ROOT" ] || rm -rf "$STATE_ROOT"' EXIT

progress_line() {
  local fam="$1" state="$STATE_ROOT/$1" now="$2" total packages
  total="$(cat "$state/total" 2>/dev/null || true)"
  packages="$(count_packages "$state/log")"
  log "$fam: progress: $(cat "$state/step" 2>/dev/null || echo starting), $((now - $(cat "$state/start")))s," \
    "$packages packages compiled${total:+ (of $((total)) in its build graph)}"
}

# next_family: the first pending family none of whose @after families still waits or builds.
next_family() {
  local f dep
  for f in "${pending[@]}"; do
    for dep in ${after_of[$f]:-}; do [ -z "${in_run[$dep]:-}" ] || [ -n "${fam_result[$dep]:-}" ] || continue 2; done
    echo "$f" && return
  done
}

# run_builds FAMILY...: builds the families (already known not to be cached), JOBS at a
# time, longest recorded build first (a family with @after once those are built); reports
# failures; returns 1 if any failed.
run_builds() {
  local queue=() fam line
  while IFS= read -r line; do queue+=("${line#* }"); done < <(
    for fam in "$@"; do echo "$(recorded_seconds "$fam" || true) $fam"; done |
      awk '{ if ($1 == "" || NF == 1) { print 0, $NF } else print }' | sort -s -k1,1nr
  )
  log "building ${#queue[@]} famil$([ ${#queue[@]} = 1 ] && echo y || echo ies), $JOBS at a time: ${queue[*]}"
  STATE_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/toolchain-state.XXXXXX")"
  local -A pid_of=()
  local failed=() pending=("${queue[@]}") started=() last_progress now p rc f
  for fam in "${queue[@]}"; do in_run[$fam]=1; done
  last_progress=$(date +%s)
  while [ ${#pending[@]} -gt 0 ] || [ ${#running_pids[@]} -gt 0 ]; do
    # Start builds while there is a free slot and nothing has failed (queue order, @after waits).
    while [ ${#failed[@]} -eq 0 ] && [ ${#pending[@]} -gt 0 ] && [ ${#running_pids[@]} -lt "$JOBS" ]; do
      fam="$(next_family)"
      [ -n "$fam" ] || [ ${#running_pids[@]} -gt 0 ] || die "the @after lines of ${pending[*]} wait for each other"
      [ -n "$fam" ] || break
      local rest=()
      for f in "${pending[@]}"; do [ "$f" = "$fam" ] || rest+=("$f"); done
      pending=("${rest[@]+"${rest[@]}"}") && started+=("$fam")
      mkdir -p "$STATE_ROOT/$fam"
      date +%s >"$STATE_ROOT/$fam/start"
      ln -s "$LOG_DIR/$fam-${hash_of[$fam]}.log" "$STATE_ROOT/$fam/log"
      echo "starting" >"$STATE_ROOT/$fam/step"
      build_job "$fam" "${hash_of[$fam]}" "${out_of[$fam]}" "$STATE_ROOT/$fam" \
        "$LOG_DIR/$fam-${hash_of[$fam]}.log" </dev/null &
      pid_of[$fam]=$!
      running_pids+=("$!")
    done
    if [ ${#pending[@]} -gt 0 ] && [ ${#failed[@]} -gt 0 ]; then
      log "not starting ${pending[*]} after the failure"
      pending=()
    fi
    sleep 1
    now=$(date +%s)
    local still=()
    for fam in "${started[@]}"; do
      p="${pid_of[$fam]:-}"
      [ -n "$p" ] || continue
      if kill -0 "$p" 2>/dev/null; then
        still+=("$p")
        continue
      fi
      rc=0
      wait "$p" || rc=$?
      unset 'pid_of[$fam]'
      fam_seconds[$fam]=$((now - $(cat "$STATE_ROOT/$fam/start")))
      if [ "$rc" -ne 0 ]; then
        failed+=("$fam")
        fam_result[$fam]="FAILED"
        log "$fam: FAILED (exit $rc) during '$(cat "$STATE_ROOT/$fam/step")' after ${fam_seconds[$fam]}s;" \
          "log ${LOG_DIR}/$fam-${hash_of[$fam]}.log, last lines:"
        tail -n 25 "$LOG_DIR/$fam-${hash_of[$fam]}.log" 2>/dev/null | sed "s/^/toolchain: $fam| /" >&2
      else
        fam_result[$fam]="$(cat "$STATE_ROOT/$fam/result" 2>/dev/null || echo built)"
      fi
    done
    running_pids=("${still[@]+"${still[@]}"}")
    if [ ${#running_pids[@]} -gt 0 ] && [ $((now - last_progress)) -ge "$PROGRESS_SECONDS" ]; then
      last_progress=$now
      for fam in "${started[@]}"; do
        if [ -n "${pid_of[$fam]:-}" ]; then progress_line "$fam" "$now"; fi
      done
    fi
  done
  if [ ${#failed[@]} -gt 0 ]; then
    log "error: failed: ${failed[*]} (logs in $LOG_DIR)"
    return 1
  fi
}

bin_dirs=()
declare -A hash_of=() out_of=() fam_result=() fam_seconds=() after_of=() in_run=()
to_build=()
total_start=$(date +%s)
for fam in "${families[@]}"; do
  [ -f "$TOOLS_DIR/$fam/build.txt" ] || die "tools/$fam/build.txt not found"
  [ -f "$TOOLS_DIR/$fam/go.mod" ] || die "tools/$fam/go.mod not found"
  parse_build_file "$TOOLS_DIR/$fam/build.txt"
  after_of[$fam]="${after[*]+"${after[*]}"}"
  hash_of[$fam]="$(family_hash "$fam")"
  out_of[$fam]="$CACHE_DIR/$fam-${hash_of[$fam]}"
  bin_dirs+=("${out_of[$fam]}/bin")
  if complete "${out_of[$fam]}"; then
    fam_result[$fam]="cached"
    log "$fam: cached in ${out_of[$fam]}"
  else
    to_build+=("$fam")
  fi
done

build_rc=0
if [ ${#to_build[@]} -gt 0 ]; then
  command -v flock >/dev/null 2>&1 || die "flock is needed (util-linux)"
  run_builds "${to_build[@]}" || build_rc=$?
fi

# The summary: one line per family with its time (a cached family's recorded build time).
summary=()
for fam in "${families[@]}"; do
  case "${fam_result[$fam]:-not built}" in
    cached)
      info="${out_of[$fam]}/build-info.txt"
      summary+=("$fam cached (built in $(info_value "$info" seconds || true)s)") ;;
    built) summary+=("$fam built in $(info_value "${out_of[$fam]}/build-info.txt" seconds)s") ;;
    *) summary+=("$fam ${fam_result[$fam]:-not built}${fam_seconds[$fam]:+ after ${fam_seconds[$fam]}s}") ;;
  esac
done
log "done in $(($(date +%s) - total_start))s: $(
  IFS=';'
  echo "${summary[*]}" | sed 's/;/; /g'
)"
[ "$build_rc" -eq 0 ] || exit "$build_rc"

if [ "$print_path" = 1 ]; then
  (
    IFS=:
    echo "${bin_dirs[*]}"
  )
fi
