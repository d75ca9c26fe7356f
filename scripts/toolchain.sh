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
# Blank lines and lines starting with '#' are ignored. All binaries of a family are built
# by one `go build` (CGO_ENABLED=0, -trimpath, -ldflags "-s -w <extra words of every
# line>"), so they share compile work. If any .go file of the family has a //go:generate
# directive, `go generate ./...` runs first. Both run in a scratch copy of the family's
# hashed files, so generated files never land in the repository.
#
# Binaries go to $K8S_ML_CACHE/toolchain/<family>-<hash>/bin, where <hash> is a sha256
# over the family's go.mod, go.sum, build.txt and *.go files, `go version` and this
# script's recipe version. K8S_ML_CACHE defaults to
# ${XDG_CACHE_HOME:-$HOME/.cache}/k8s-ml-patterns, as in scripts/node-env.sh. A family
# whose cache directory holds all its binaries is not rebuilt. A build is written to a
# temporary directory beside it and renamed into place, so an interrupted build never
# leaves a partial cache. Logs and timings go to stderr.
#
# Environment: GOMODCACHE and GOCACHE are used as set (share them between families and
# runs); TOOLCHAIN_GO_FLAGS adds flags to `go build` (e.g. "-p 2" or "-v").
set -euo pipefail

# Bump when the way binaries are built changes, so cached builds are not reused.
RECIPE_VERSION=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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
  for f in "$ROOT"/tools/*/build.txt; do
    [ -e "$f" ] || continue
    families+=("$(basename "$(dirname "$f")")")
  done
  [ ${#families[@]} -gt 0 ] || die "no tools/*/build.txt found"
fi

GO_VERSION="$(go version)"
mkdir -p "$CACHE_DIR"

# family_files FAMILY: the hashed files of a family, relative to its folder, sorted.
family_files() {
  (cd "$ROOT/tools/$1" && find . -type f \( -name go.mod -o -name go.sum -o -name build.txt -o -name '*.go' \) \
    -not -path '*/testdata/*' | LC_ALL=C sort)
}

family_hash() {
  local fam="$1"
  {
    echo "recipe $RECIPE_VERSION"
    echo "$GO_VERSION"
    (cd "$ROOT/tools/$fam" && family_files "$fam" | while IFS= read -r f; do
      printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done)
  } | sha256sum | cut -c1-16
}

# parse_build_file FILE: sets names[], pkgs[] and ldflags_extra.
parse_build_file() {
  local file="$1" line words
  names=()
  pkgs=()
  ldflags_extra=""
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    read -r -a words <<<"$line"
    [ ${#words[@]} -gt 0 ] || continue
    case "${words[0]}" in \#*) continue ;; esac
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

tmp_dirs=()
cleanup() {
  local d
  for d in "${tmp_dirs[@]+"${tmp_dirs[@]}"}"; do
    [ -n "$d" ] && rm -rf "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_family() {
  local fam="$1" fam_dir="$ROOT/tools/$1"
  [ -f "$fam_dir/build.txt" ] || die "tools/$fam/build.txt not found"
  [ -f "$fam_dir/go.mod" ] || die "tools/$fam/go.mod not found"
  parse_build_file "$fam_dir/build.txt"

  local hash out
  hash="$(family_hash "$fam")"
  out="$CACHE_DIR/$fam-$hash"
  bin_dirs+=("$out/bin")

  if complete "$out"; then
    log "$fam: cached in $out"
    return 0
  fi

  # One builder per family at a time; others wait and then find the cache complete.
  local lock="$CACHE_DIR/.$fam.lock"
  exec 9>"$lock"
  if command -v flock >/dev/null 2>&1; then
    if ! flock -n 9; then
      log "$fam: waiting for another build of this family"
      flock 9
    fi
  fi
  if complete "$out"; then
    log "$fam: cached in $out (built by another run)"
    exec 9>&-
    return 0
  fi
  [ ! -e "$out" ] || rm -rf "$out" # incomplete leftover (binaries deleted by hand)

  local start tmp
  start=$(date +%s)
  tmp="$(mktemp -d "$CACHE_DIR/.$fam-$hash.XXXXXX")"
  tmp_dirs+=("$tmp")
  chmod 755 "$tmp"
  mkdir -p "$tmp/src" "$tmp/bin"
  (cd "$fam_dir" && family_files "$fam" | while IFS= read -r f; do
    mkdir -p "$tmp/src/$(dirname "$f")"
    cp "$f" "$tmp/src/$f"
  done)

  log "$fam: building ${names[*]} ($(go env GOVERSION), hash $hash)"
  if grep -rqs --include='*.go' '^//go:generate ' "$tmp/src"; then
    local gen_start
    gen_start=$(date +%s)
    (cd "$tmp/src" && CGO_ENABLED=0 go generate ./...) || die "$fam: go generate failed"
    log "$fam: go generate took $(($(date +%s) - gen_start))s"
  fi

  local ldflags="-s -w$ldflags_extra" p
  local build_pkgs=()
  for p in "${pkgs[@]}"; do build_pkgs+=("$p"); done
  # shellcheck disable=SC2086
  (cd "$tmp/src" && CGO_ENABLED=0 go build -trimpath ${TOOLCHAIN_GO_FLAGS:-} \
    -ldflags "$ldflags" -o "$tmp/bin/" "${build_pkgs[@]}") || die "$fam: go build failed"

  # `go build -o DIR` names each binary after its package's last path element.
  local i built
  for i in "${!names[@]}"; do
    built="$(basename "${pkgs[$i]}")"
    if [ ! -x "$tmp/bin/${names[$i]}" ] && [ -x "$tmp/bin/$built" ]; then
      mv "$tmp/bin/$built" "$tmp/bin/${names[$i]}"
    fi
  done
  complete "$tmp" || die "$fam: go build did not produce all of: ${names[*]}"

  local secs=$(($(date +%s) - start))
  {
    echo "family=$fam"
    echo "hash=$hash"
    echo "go=$GO_VERSION"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$secs"
  } >"$tmp/build-info.txt"
  rm -rf "$tmp/src"

  if ! mv -T "$tmp" "$out" 2>/dev/null; then
    complete "$out" || die "$fam: could not move the build into $out"
    rm -rf "$tmp"
  fi
  exec 9>&-
  log "$fam: built in ${secs}s -> $out/bin ($(du -sh "$out/bin" | cut -f1))"
}

bin_dirs=()
total_start=$(date +%s)
for fam in "${families[@]}"; do
  fam_start=$(date +%s)
  build_family "$fam"
  log "$fam: $(($(date +%s) - fam_start))s"
done
log "done in $(($(date +%s) - total_start))s"

if [ "$print_path" = 1 ]; then
  (
    IFS=:
    echo "${bin_dirs[*]}"
  )
fi
