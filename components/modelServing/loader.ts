/** The default model loader and the contract every loader keeps with the server. */

/**
 * The default loader image. rclone copies from S3, GCS, Azure Blob, HTTP and more, addressed
 * by one path (e.g. `:s3,provider=AWS,env_auth=true:bucket/models/llama`), and its image ships
 * a POSIX shell for the script below.
 */
export const DEFAULT_LOADER_IMAGE = "rclone/rclone:1.68.2";

/**
 * The default loader program, run as `sh -c`. It relies only on the environment the component
 * injects (MODEL_URI, MODEL_DIR, MODEL_READY_FILE, MODEL_LOCK_STALE_MINUTES, LOADER_STAY_RUNNING).
 * MODEL_DIR is keyed by the model URI (`/models/<modelName>/<hash of modelUri>`), so a cache never
 * serves another URI's files and a changed `modelUri` loads into a directory of its own. It
 * - skips the download when the ready marker exists (a shared PVC cache already holds the model);
 * - otherwise takes a lock (`MODEL_DIR.lock`, made with mkdir, which is atomic; one older than the
 *   download budget is a killed loader's and is taken over) while the other loaders wait for the
 *   marker, copies into a temporary directory beside MODEL_DIR, writes the marker there and renames
 *   it to MODEL_DIR, so the model appears complete or not at all; a failed copy removes its
 *   temporary directory and the lock, and the next loader retries;
 * - as a native sidecar it must keep running (Kubernetes restarts a sidecar that exits), so it then
 *   idles until SIGTERM; as a classic init container it exits.
 * A custom loader (`loaderImage` + `loaderCommand`/`loaderArgs`) must keep the same contract.
 */
export const DEFAULT_LOADER_SCRIPT = [
  "set -eu",
  'if [ -f "$MODEL_READY_FILE" ]; then',
  '  echo "model-loader: $MODEL_DIR is complete; skipping the download"',
  "else",
  '  mkdir -p "$(dirname "$MODEL_DIR")"',
  '  lock="$MODEL_DIR.lock"',
  '  tmp="$MODEL_DIR.tmp-$(hostname)-$$"',
  "  held=false",
  "  # One loader downloads, the others wait for its result. mkdir is atomic, and a lock older than",
  "  # the download budget belongs to a loader that was killed, so it is taken over.",
  '  while [ ! -f "$MODEL_READY_FILE" ]; do',
  '    if mkdir "$lock" 2>/dev/null; then held=true; break; fi',
  '    if [ -n "$(find "$lock" -maxdepth 0 -mmin +"$MODEL_LOCK_STALE_MINUTES" 2>/dev/null)" ]; then',
  '      echo "model-loader: taking over the stale lock $lock"',
  '      rm -rf "$lock"',
  "    fi",
  "    sleep 2",
  "  done",
  '  if [ "$held" = true ]; then',
  '    trap \'rm -rf "$tmp" "$lock"\' EXIT',
  '    if [ ! -f "$MODEL_READY_FILE" ]; then',
  '      rm -rf "$tmp"',
  '      mkdir -p "$tmp"',
  '      echo "model-loader: copying $MODEL_URI to $MODEL_DIR"',
  '      rclone copy "$MODEL_URI" "$tmp"',
  '      touch "$tmp/$(basename "$MODEL_READY_FILE")"',
  "      # The model appears complete or not at all: a rename within one filesystem is atomic.",
  '      mv "$tmp" "$MODEL_DIR"',
  "    fi",
  '    rm -rf "$lock"',
  "    trap - EXIT",
  "  fi",
  "fi",
  'if [ "$LOADER_STAY_RUNNING" = "true" ]; then',
  "  trap 'exit 0' TERM INT",
  "  while true; do sleep 3600 & wait $!; done",
  "fi",
].join("\n");

export const DEFAULT_LOADER_COMMAND: readonly string[] = ["/bin/sh", "-c", DEFAULT_LOADER_SCRIPT];

/** Environment variables the component sets itself; user `env`/`loaderEnv` may not use them. */
export const MODEL_SERVING_INJECTED_ENV: readonly string[] = [
  "MODEL_NAME",
  "MODEL_DIR",
  "MODEL_URI",
  "MODEL_READY_FILE",
  "MODEL_LOCK_STALE_MINUTES",
  "LOADER_STAY_RUNNING",
];

/** Period of both startup probes; the failure threshold stretches them to the load budget. */
export const STARTUP_PROBE_PERIOD_SECONDS = 10;

/** Time a pod may spend on scheduling and image pulls on top of the download and load budgets. */
export const POD_START_SLACK_SECONDS = 300;
