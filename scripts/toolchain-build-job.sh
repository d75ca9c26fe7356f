# shellcheck shell=bash
# One family's build for scripts/toolchain.sh, which sources this file: build_job runs in a
# background subshell per family (see run_builds there) and uses its globals (TOOLS_DIR,
# CACHE_DIR, JOBS, GO_VERSION, names[], pkgs[], ...).

job_tmp=""
job_child=""
job_cleanup() {
  [ -z "$job_child" ] || kill "$job_child" 2>/dev/null || true
  [ -z "$job_tmp" ] || rm -rf "$job_tmp"
}

# step STATE_DIR TEXT: what the family's build does now, for the progress lines.
set_step() { echo "$2" >"$1/step"; }

# run_logged DIR LOG CMD...: runs CMD in DIR with CGO_ENABLED=0, output appended to LOG, as
# a child the job kills when it is stopped.
run_logged() {
  local dir="$1" log="$2" rc=0
  shift 2
  (cd "$dir" && CGO_ENABLED=0 exec "$@") >>"$log" 2>&1 &
  job_child=$!
  wait "$job_child" || rc=$?
  job_child=""
  return "$rc"
}

# build_job FAMILY HASH OUT STATE_DIR LOG: builds FAMILY into OUT; exit status 0 on success.
build_job() {
  local fam="$1" hash="$2" out="$3" state="$4" log="$5" fam_dir="$TOOLS_DIR/$1"
  trap job_cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  parse_build_file "$fam_dir/build.txt"
  : >"$log"

  # One builder per family at a time; others wait and then find the cache complete.
  exec 9>"$CACHE_DIR/.$fam.lock"
  if ! flock -n 9; then
    set_step "$state" "waiting for another build of this family"
    log "$fam: waiting for another build of this family"
    flock 9
  fi
  if complete "$out"; then
    log "$fam: cached in $out (built by another run)"
    echo "cached" >"$state/result"
    return 0
  fi
  [ ! -e "$out" ] || rm -rf "$out" # incomplete leftover (binaries deleted by hand)

  local start tmp
  start=$(date +%s)
  tmp="$(mktemp -d "$CACHE_DIR/.$fam-$hash.XXXXXX")"
  job_tmp="$tmp"
  chmod 755 "$tmp"
  mkdir -p "$tmp/src" "$tmp/bin"
  (cd "$fam_dir" && family_files "$fam" | while IFS= read -r f; do
    mkdir -p "$tmp/src/$(dirname "$f")"
    cp "$f" "$tmp/src/$f"
  done)

  log "$fam: building ${names[*]} ($(go env GOVERSION), hash $hash, log $log)"
  local gen_secs=0
  if grep -rqs --include='*.go' '^//go:generate ' "$tmp/src"; then
    set_step "$state" "go generate"
    echo "== go generate" >>"$log"
    run_logged "$tmp/src" "$log" go generate ./... || die "$fam: go generate failed"
    gen_secs=$(($(date +%s) - start))
    log "$fam: go generate took ${gen_secs}s"
  fi

  # The size of the build graph, for "N of M packages" (a cached package is not recompiled,
  # so a warm build cache ends below M). Best effort: failures leave the total unknown.
  (cd "$tmp/src" && go list -deps "${pkgs[@]}" 2>/dev/null | wc -l >"$state/total.tmp" &&
    mv "$state/total.tmp" "$state/total") 2>/dev/null &

  set_step "$state" "go build"
  echo "== go build" >>"$log"
  local ldflags="-s -w$ldflags_extra"
  # -dwarf=false: the compiler skips the debug information that the linker's -w drops anyway
  # (about 15% of the compile CPU of etcd). The machine code stays the same: disassemblies built
  # with and without it differ only in addresses, shifted by the longer build-info string. So
  # it is not part of RECIPE_VERSION, and binaries cached before it stay valid.
  # shellcheck disable=SC2086
  run_logged "$tmp/src" "$log" go build -v -trimpath -gcflags=all=-dwarf=false ${TOOLCHAIN_GO_FLAGS:-} \
    -ldflags "$ldflags" -o "$tmp/bin/" "${pkgs[@]}" || die "$fam: go build failed"

  set_step "$state" "install"
  # `go build -o DIR` names each binary after its package's last path element.
  local i built
  for i in "${!names[@]}"; do
    built="$(basename "${pkgs[$i]}")"
    if [ ! -x "$tmp/bin/${names[$i]}" ] && [ -x "$tmp/bin/$built" ]; then
      mv "$tmp/bin/$built" "$tmp/bin/${names[$i]}"
    fi
  done
  complete "$tmp" || die "$fam: go build did not produce all of: ${names[*]}"

  local secs cpu packages
  secs=$(($(date +%s) - start))
  packages="$(count_packages "$log")"
  # CPU seconds of everything this job ran (the second line of `times`: children's user, sys).
  # `times` writes to a file: in a $(...) subshell it would only see that subshell's children.
  times >"$state/times"
  cpu="$(sed -n 2p "$state/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.0f", t }')"
  {
    echo "family=$fam"
    echo "hash=$hash"
    echo "go=$GO_VERSION"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "seconds=$secs"
    echo "generate_seconds=$gen_secs"
    echo "cpu_seconds=$cpu"
    echo "packages=$packages"
    echo "jobs=$JOBS"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  } >"$tmp/build-info.txt"
  rm -rf "$tmp/src"

  if ! mv -T "$tmp" "$out" 2>/dev/null; then
    complete "$out" || die "$fam: could not move the build into $out"
    rm -rf "$tmp"
  fi
  job_tmp=""
  exec 9>&-
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$fam" "$hash" "$secs" \
    "$cpu" "$packages" "$JOBS" >>"$CACHE_DIR/timings.tsv"
  echo "built" >"$state/result"
  log "$fam: built in ${secs}s (${cpu}s CPU, $packages packages) -> $out/bin ($(du -sh "$out/bin" | cut -f1))"
}

# count_packages LOG: packages `go build -v` listed in LOG (lines after "== go build" that
# are a bare import path; compiler errors and "# pkg" headers are not).
count_packages() {
  awk '/^== go build/ { b = 1; next } b && /^[A-Za-z0-9._~\/+-]+$/ { n++ } END { print n + 0 }' "$1" 2>/dev/null || echo 0
}
