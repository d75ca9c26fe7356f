/**
 * Server presets: what ModelServing sets for the model servers people deploy (vLLM, Hugging Face
 * TGI) beyond a generic server. The one table of them, and pure functions over it; the pod, the
 * Service, the ServiceMonitor, the autoscaler and the validation all read the preset from here.
 */
import { DEFAULT_HTTP_PORT, DEFAULT_METRICS_PORT, REQUESTS_TOTAL_METRIC } from "../lib/serving";

/** The presets `server` accepts. */
export const SERVER_PRESET_NAMES = ["generic", "vllm", "tgi"] as const;
export type ServerPresetName = (typeof SERVER_PRESET_NAMES)[number];

/** `server` when unset: today's server layout, unchanged. */
export const DEFAULT_SERVER_PRESET: ServerPresetName = "generic";

/** Env var the loader gets the model-source token as, unless the preset names another. */
export const MODEL_SOURCE_TOKEN_ENV = "MODEL_SOURCE_TOKEN";
/** Env var Hugging Face tools (huggingface_hub, vLLM, TGI) read a Hub token from. */
export const HF_TOKEN_ENV = "HF_TOKEN";
/** Model URIs of the Hugging Face Hub. */
export const HF_SOURCE_SCHEME = "hf://";

/** The flags a preset passes the server; each is refused in the user's `args`. */
export interface PresetFlags {
  /** Where the model files are (the loader's MODEL_DIR). */
  readonly model: string;
  /** The name clients ask for (the model name), if the server takes one. */
  readonly servedModelName?: string;
  /** The API port (httpPort). */
  readonly port: string;
  /** The tensor-parallel degree: one shard per GPU of the pod (gpusPerPod). */
  readonly tensorParallel: string;
  /** Other spellings of these flags the server accepts, refused in `args` too. */
  readonly aliases: readonly string[];
}

/** Metrics the server exports, for the autoscaler's prometheus-adapter rules and KEDA's query. */
export interface PresetMetrics {
  /** Counter of requests served; the per-pod request rate is derived from it. */
  readonly requestsTotal: string;
  /** Gauge of requests waiting to be scheduled (the queue). */
  readonly waitingRequests?: string;
  /** Gauge of KV-cache usage (0 to 1). */
  readonly cacheUsage?: string;
}

/** One preset. */
export interface ServerPreset {
  readonly name: ServerPresetName;
  /** The API port when httpPort is unset. */
  readonly httpPort: number;
  /** True when `/metrics` is served on the API port: no `metrics` port then. */
  readonly metricsOnHttpPort: boolean;
  /** The `metrics` port when metricsPort is unset (servers with a separate one). */
  readonly metricsPort: number | undefined;
  /** Startup and liveness probe path when livenessPath is unset. */
  readonly livenessPath: string;
  /** Readiness probe path when readinessPath is unset. */
  readonly readinessPath: string;
  /** Env var name of the model-source token for hf:// model URIs. */
  readonly hfTokenEnv: string;
  /** Flags the preset appends to `args`; none for generic (its args are passed as given). */
  readonly flags?: PresetFlags;
  readonly metrics: PresetMetrics;
}

/**
 * The presets. vLLM's OpenAI server listens on 8000 and serves `/health` and `/metrics` there.
 * TGI's image listens on 80 (its PORT env), which a non-root container cannot bind, so the preset
 * passes `--port` 8080 (the port TGI's docs map it to) unless httpPort says otherwise.
 */
export const SERVER_PRESETS: Readonly<Record<ServerPresetName, ServerPreset>> = {
  generic: {
    name: "generic",
    httpPort: DEFAULT_HTTP_PORT,
    metricsOnHttpPort: false,
    metricsPort: DEFAULT_METRICS_PORT,
    livenessPath: "/health",
    readinessPath: "/health",
    hfTokenEnv: MODEL_SOURCE_TOKEN_ENV,
    metrics: { requestsTotal: REQUESTS_TOTAL_METRIC },
  },
  vllm: {
    name: "vllm",
    httpPort: 8000,
    metricsOnHttpPort: true,
    metricsPort: undefined,
    livenessPath: "/health",
    readinessPath: "/health",
    hfTokenEnv: HF_TOKEN_ENV,
    flags: {
      model: "--model",
      servedModelName: "--served-model-name",
      port: "--port",
      tensorParallel: "--tensor-parallel-size",
      aliases: ["-tp"],
    },
    metrics: {
      requestsTotal: "vllm:request_success_total",
      waitingRequests: "vllm:num_requests_waiting",
      cacheUsage: "vllm:gpu_cache_usage_perc",
    },
  },
  tgi: {
    name: "tgi",
    httpPort: 8080,
    metricsOnHttpPort: true,
    metricsPort: undefined,
    livenessPath: "/health",
    readinessPath: "/health",
    hfTokenEnv: HF_TOKEN_ENV,
    flags: { model: "--model-id", port: "--port", tensorParallel: "--num-shard", aliases: ["-p"] },
    metrics: { requestsTotal: "tgi_request_count", waitingRequests: "tgi_queue_size" },
  },
};

/** True for a preset name. */
export function isServerPresetName(value: unknown): value is ServerPresetName {
  return typeof value === "string" && (SERVER_PRESET_NAMES as readonly string[]).includes(value);
}

/** The preset of `server` (unset: generic). Expects a validated name. */
export function serverPreset(server: string | undefined): ServerPreset {
  const name = server ?? DEFAULT_SERVER_PRESET;
  if (!isServerPresetName(name)) throw new Error(`unknown server preset ${JSON.stringify(name)}`);
  return SERVER_PRESETS[name];
}

/** `one of "generic", "vllm", "tgi"`, for messages. */
export const SERVER_PRESETS_ALLOWED = `one of ${SERVER_PRESET_NAMES.map((name) => `"${name}"`).join(", ")}`;

/** Every flag the preset sets (with aliases), which the user's args may not set. */
export function presetFlagNames(preset: ServerPreset): readonly string[] {
  const flags = preset.flags;
  if (flags === undefined) return [];
  return [
    flags.model,
    ...(flags.servedModelName === undefined ? [] : [flags.servedModelName]),
    flags.port,
    flags.tensorParallel,
    ...flags.aliases,
  ];
}

/** The user's args that set a flag the preset sets (`--flag`, `--flag=value`). */
export function conflictingArgs(preset: ServerPreset, args: readonly unknown[] | undefined): string[] {
  const names = presetFlagNames(preset);
  return (args ?? []).filter(
    (arg): arg is string =>
      typeof arg === "string" && names.some((flag) => arg === flag || arg.startsWith(`${flag}=`)),
  );
}

/** What allowed user args are, with a preset that sets flags, for messages. */
export function conflictingArgsAllowed(preset: ServerPreset): string {
  const flags = preset.flags;
  const tp = flags === undefined ? "" : ` (${flags.tensorParallel} comes from gpusPerPod)`;
  return `free of the flags server "${preset.name}" sets itself: ${presetFlagNames(preset).join(", ")}${tp}`;
}

/** What the preset's flags are built from. */
export interface PresetArgsInput {
  readonly modelDir: string;
  readonly modelName: string;
  readonly httpPort: number;
  readonly gpusPerPod: number;
}

/**
 * The flags the preset appends: the model directory, the served name, the port, and with GPUs
 * one tensor-parallel shard per GPU (a CPU-only server, gpusPerPod 0, runs one shard: no flag).
 */
export function presetArgs(preset: ServerPreset, input: PresetArgsInput): string[] {
  const flags = preset.flags;
  if (flags === undefined) return [];
  return [
    `${flags.model}=${input.modelDir}`,
    ...(flags.servedModelName === undefined ? [] : [`${flags.servedModelName}=${input.modelName}`]),
    `${flags.port}=${String(input.httpPort)}`,
    ...(input.gpusPerPod > 0 ? [`${flags.tensorParallel}=${String(input.gpusPerPod)}`] : []),
  ];
}

/**
 * The server container's args: generic passes the user's as given (unset: the image's); a
 * preset appends its flags to them.
 */
export function serverArgs(
  preset: ServerPreset,
  userArgs: readonly string[] | undefined,
  input: PresetArgsInput,
): string[] | undefined {
  if (preset.flags === undefined) return userArgs === undefined ? undefined : [...userArgs];
  return [...(userArgs ?? []), ...presetArgs(preset, input)];
}

/** The env var name the loader gets the model-source token as: the preset's for hf:// URIs. */
export function modelSourceTokenEnv(preset: ServerPreset, modelUri: string): string {
  return modelUri.startsWith(HF_SOURCE_SCHEME) ? preset.hfTokenEnv : MODEL_SOURCE_TOKEN_ENV;
}

/**
 * The autoscaler options a preset fills in (user options win): the server's request counter
 * and, for servers that export them, its waiting-requests and KV-cache gauges. None for generic,
 * whose autoscaler stays as it was.
 */
export function presetAutoscalingSignals(preset: ServerPreset): {
  requestsTotalMetric?: string;
  waitingRequestsMetric?: string;
  cacheUsageMetric?: string;
} {
  if (preset.name === "generic") return {};
  const { requestsTotal, waitingRequests, cacheUsage } = preset.metrics;
  return {
    requestsTotalMetric: requestsTotal,
    ...(waitingRequests === undefined ? {} : { waitingRequestsMetric: waitingRequests }),
    ...(cacheUsage === undefined ? {} : { cacheUsageMetric: cacheUsage }),
  };
}
