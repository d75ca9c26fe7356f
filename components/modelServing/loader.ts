/** The default model loader and the contract every loader keeps with the server. */

/**
 * The default loader image. rclone copies from S3, GCS, Azure Blob, HTTP and more, addressed
 * by one path (e.g. `:s3,provider=AWS,env_auth=true:bucket/models/llama`), and its image ships
 * a POSIX shell for the script below.
 */
export const DEFAULT_LOADER_IMAGE = "rclone/rclone:1.68.2";

/**
 * The default loader program, run as `sh -c`. It relies only on the environment the component
 * injects (MODEL_URI, MODEL_DIR, MODEL_READY_FILE, LOADER_STAY_RUNNING):
 * - skips the download when the ready marker exists (a shared PVC cache already holds the model);
 * - otherwise copies MODEL_URI into MODEL_DIR and writes the marker only after the copy succeeded;
 * - as a native sidecar it must keep running (Kubernetes restarts a sidecar that exits), so it then
 *   idles until SIGTERM; as a classic init container it exits.
 * A custom loader (`loaderImage` + `loaderCommand`/`loaderArgs`) must keep the same contract.
 */
export const DEFAULT_LOADER_SCRIPT = [
  "set -eu",
  'if [ -f "$MODEL_READY_FILE" ]; then',
  '  echo "model-loader: $MODEL_DIR is complete; skipping the download"',
  "else",
  '  mkdir -p "$MODEL_DIR"',
  '  echo "model-loader: copying $MODEL_URI to $MODEL_DIR"',
  '  rclone copy "$MODEL_URI" "$MODEL_DIR"',
  '  touch "$MODEL_READY_FILE"',
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
  "LOADER_STAY_RUNNING",
];

/** Period of both startup probes; the failure threshold stretches them to the load budget. */
export const STARTUP_PROBE_PERIOD_SECONDS = 10;

/** Time a pod may spend on scheduling and image pulls on top of the download and load budgets. */
export const POD_START_SLACK_SECONDS = 300;
