/** Validation of ModelServing arguments, before anything is registered. */
import { parseQuantity } from "../../conventions/quantity";
import { checkAutoscalerOptions } from "../autoscaling/validate";
import { checkUserEnv } from "../lib/env";
import { checkQueueArgs } from "../lib/queue";
import type { Resolved } from "../lib/resolve";
import { ArgChecker, isDns1035Label } from "../lib/validation";
import { checkStringList, checkWorkloadArgs } from "../lib/workload";
import { checkMonitoringOptions } from "../monitoring/validate";
import { MODEL_SERVING_DEFAULTS, type ModelServingArgs } from "./args";
import { MODEL_SERVING_INJECTED_ENV, STARTUP_PROBE_PERIOD_SECONDS } from "./loader";
import { isAutoscaled } from "./settings";
import { servingAutoscalerOptions } from "./attachments";
import {
  conflictingArgs,
  conflictingArgsAllowed,
  isServerPresetName,
  modelSourceTokenEnv,
  SERVER_PRESETS_ALLOWED,
  serverPreset,
} from "./presets";
import { GPU_RESOURCE } from "../../conventions/gpu";
import { ComponentRoles, METRICS_PORT_LABEL } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import { parseLabelSelector, selectorMatches } from "../lib/labelSelectorString";
import { HTTP_PORT_NAME } from "../lib/serving";

type ResolvedArgs = Resolved<ModelServingArgs>;

function checkPath(checker: ArgChecker, property: string, value: string | undefined): void {
  if (value === undefined) return;
  checker.check(/^\/\S*$/.test(value), property, value, "an absolute HTTP path without spaces");
}

function checkModel(checker: ArgChecker, name: string, args: ResolvedArgs): void {
  // The component name is the name of the Service too, and Service names are DNS-1035 labels.
  checker.check(
    isDns1035Label(name),
    "name",
    name,
    "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters), since it names the Service",
  );
  checker.dnsLabel("namespace", args.namespace);
  checker.dnsLabel("modelName", args.modelName);
  checker.check(
    typeof args.modelUri === "string" && args.modelUri.length > 0 && !/\s/.test(args.modelUri),
    "modelUri",
    args.modelUri,
    "a non-empty location without whitespace",
  );
}

/**
 * The server preset and what it rules out: a metrics port beside a server that serves metrics on
 * its API port, user args that set a flag the preset sets, tensor parallelism over GPUs that are
 * not whole devices, and a ServiceMonitor pointed at a port the pod does not have.
 */
function checkServerPreset(checker: ArgChecker, args: ResolvedArgs): void {
  if (args.server === undefined) return;
  if (!isServerPresetName(args.server)) {
    checker.check(false, "server", args.server, SERVER_PRESETS_ALLOWED);
    return;
  }
  const preset = serverPreset(args.server);
  if (preset.metricsOnHttpPort) {
    checker.check(
      args.metricsPort === undefined,
      "metricsPort",
      args.metricsPort,
      `unset with server "${preset.name}", which serves /metrics on its API port (httpPort)`,
    );
    const portName = args.monitoring?.metricsPortName;
    checker.check(
      portName === undefined || portName === HTTP_PORT_NAME,
      "monitoring.metricsPortName",
      portName,
      `"${HTTP_PORT_NAME}" or unset with server "${preset.name}", which serves /metrics on its API port`,
    );
  }
  const conflicts = conflictingArgs(preset, Array.isArray(args.args) ? args.args : undefined);
  checker.check(conflicts.length === 0, "args", conflicts, conflictingArgsAllowed(preset));
  const gpus = args.gpusPerPod ?? MODEL_SERVING_DEFAULTS.gpusPerPod;
  const resource = args.gpuResourceName ?? GPU_RESOURCE;
  if (preset.flags !== undefined && gpus > 1) {
    checker.check(
      resource === GPU_RESOURCE,
      "gpuResourceName",
      resource,
      `"${GPU_RESOURCE}" when server "${preset.name}" shards the model over gpusPerPod (${gpus}) GPUs: a process sees one MIG slice only, and time-sliced shares may be one GPU`,
    );
  }
}

function checkServer(checker: ArgChecker, args: ResolvedArgs): void {
  checker.wholeNumber("httpPort", args.httpPort, 1, 65535);
  checker.wholeNumber("metricsPort", args.metricsPort, 1, 65535);
  checkServerPreset(checker, args);
  const preset = isServerPresetName(args.server ?? MODEL_SERVING_DEFAULTS.server)
    ? serverPreset(args.server)
    : undefined;
  // A separate metrics port lets NetworkPolicies open metrics to Prometheus without opening the API.
  if (preset !== undefined && !preset.metricsOnHttpPort) {
    const httpPort = args.httpPort ?? preset.httpPort;
    const metricsPort = args.metricsPort ?? preset.metricsPort;
    checker.check(
      httpPort !== metricsPort,
      "metricsPort",
      metricsPort,
      `a port other than httpPort (${httpPort})`,
    );
  }
  checkPath(checker, "livenessPath", args.livenessPath);
  checkPath(checker, "readinessPath", args.readinessPath);
  checker.wholeNumber("replicas", args.replicas, 1).wholeNumber("maxReplicas", args.maxReplicas, 1);
  checker.wholeNumber("runAsUser", args.runAsUser, 1);
  checker.positiveQuantity("cpuLimit", args.cpuLimit);
  const cpuCores = parseQuantity(args.cpu ?? MODEL_SERVING_DEFAULTS.cpu);
  const cpuLimitCores = parseQuantity(args.cpuLimit);
  if (cpuCores !== undefined && cpuLimitCores !== undefined) {
    checker.check(
      cpuLimitCores >= cpuCores,
      "cpuLimit",
      args.cpuLimit,
      `at least cpu (${args.cpu ?? MODEL_SERVING_DEFAULTS.cpu}); Kubernetes rejects a limit below the request`,
    );
  }
}

function checkGpus(checker: ArgChecker, args: ResolvedArgs): void {
  const gpuProducts = args.gpuProducts ?? [];
  checker.check(
    args.gpusPerPod !== 0 || gpuProducts.length === 0,
    "gpuProducts",
    gpuProducts,
    "empty when gpusPerPod is 0 (a CPU-only server is not placed on GPU nodes)",
  );
  checker.check(
    args.gpusPerPod === 0 || gpuProducts.length > 0,
    "gpuProducts",
    gpuProducts,
    "at least one GPU product when gpusPerPod is above 0 (GPU pods are placed on a product by node affinity)",
  );
}

function checkLoader(checker: ArgChecker, args: ResolvedArgs): void {
  checker.image("loaderImage", args.loaderImage);
  checkStringList(checker, "loaderCommand", args.loaderCommand);
  checkStringList(checker, "loaderArgs", args.loaderArgs);
  checker.dnsSubdomain("modelSourceTokenSecretName", args.modelSourceTokenSecretName, "a Secret name");
  checker.check(
    args.modelSourceTokenSecretKey === undefined ||
      (typeof args.modelSourceTokenSecretKey === "string" &&
        /^[-._a-zA-Z0-9]{1,253}$/.test(args.modelSourceTokenSecretKey)),
    "modelSourceTokenSecretKey",
    args.modelSourceTokenSecretKey,
    "a Secret key (letters, digits, '-', '_' and '.')",
  );
  const tokenEnv =
    args.modelSourceTokenSecretName !== undefined &&
    isServerPresetName(args.server ?? MODEL_SERVING_DEFAULTS.server)
      ? [modelSourceTokenEnv(serverPreset(args.server), args.modelUri)]
      : [];
  checkUserEnv(checker, "loaderEnv", args.loaderEnv, [...MODEL_SERVING_INJECTED_ENV, ...tokenEnv]);
  checker
    .positiveQuantity("loaderCpu", args.loaderCpu)
    .positiveQuantity("loaderMemory", args.loaderMemory)
    .positiveQuantity("modelCacheSizeLimit", args.modelCacheSizeLimit);
  checker.dnsSubdomain("modelCacheClaimName", args.modelCacheClaimName, "a PersistentVolumeClaim name");
  if (args.modelCacheClaimName !== undefined) {
    checker.check(
      args.modelCacheSizeLimit === undefined,
      "modelCacheSizeLimit",
      args.modelCacheSizeLimit,
      "unset when modelCacheClaimName is set (the claim decides the size)",
    );
  }
  checker.dnsSubdomain("loaderSecretName", args.loaderSecretName, "a Secret name");
  checker.wholeNumber("maxModelDownloadSeconds", args.maxModelDownloadSeconds, STARTUP_PROBE_PERIOD_SECONDS);
  checker.wholeNumber("maxModelLoadSeconds", args.maxModelLoadSeconds, STARTUP_PROBE_PERIOD_SECONDS);
}

function checkLifecycle(checker: ArgChecker, args: ResolvedArgs): void {
  checker.wholeNumber("drainSeconds", args.drainSeconds, 0, 3600);
  const drainSeconds = args.drainSeconds ?? MODEL_SERVING_DEFAULTS.drainSeconds;
  const grace = args.terminationGracePeriodSeconds ?? MODEL_SERVING_DEFAULTS.terminationGracePeriodSeconds;
  checker.check(
    grace > drainSeconds,
    "terminationGracePeriodSeconds",
    grace,
    `greater than drainSeconds (${drainSeconds}), or the server is killed before it finishes draining`,
  );
  checker.wholeNumber("pdbMinAvailable", args.pdbMinAvailable, 0);
  if (args.pdbMinAvailable !== undefined && !isAutoscaled(args)) {
    const replicas = args.replicas ?? MODEL_SERVING_DEFAULTS.replicas;
    checker.check(
      args.pdbMinAvailable < replicas,
      "pdbMinAvailable",
      args.pdbMinAvailable,
      `less than replicas (${replicas}), or no node running a replica could ever be drained`,
    );
  }
  checker.wholeNumber("rolloutTimeoutSeconds", args.rolloutTimeoutSeconds, 60);
  checker.dnsSubdomain("clusterDomain", args.clusterDomain, "a DNS domain such as cluster.local");
}

/**
 * A wake-up selector matching the server's own pods would keep the Deployment up for ever: its
 * pods would count as demand for themselves. Checked against the labels the pods carry.
 */
function checkWakeUpSelector(checker: ArgChecker, name: string, args: ResolvedArgs): void {
  const selector = args.autoscaling?.wakeUpPodSelector;
  const requirements = selector === undefined ? undefined : parseLabelSelector(selector);
  if (requirements === undefined || typeof args.modelName !== "string") return;
  const podLabels = {
    ...standardLabels(args.modelName, name, ComponentRoles.modelServer),
    ...(isServerPresetName(args.server ?? MODEL_SERVING_DEFAULTS.server) &&
    serverPreset(args.server).metricsOnHttpPort
      ? { [METRICS_PORT_LABEL]: HTTP_PORT_NAME }
      : {}),
  };
  checker.check(
    !selectorMatches(requirements, podLabels),
    "autoscaling.wakeUpPodSelector",
    selector,
    "a selector that does not match the model server's own pods (they would keep the Deployment from ever scaling to zero)",
  );
}

/**
 * Checks ModelServing arguments and throws one ValidationError naming every problem. Pure, so
 * stack config can be checked with it before anything is registered. The nested autoscaling and
 * monitoring options are checked without their targets, which derive from the name: a bad name
 * is reported once, not again in fields the user never set.
 */
export function validateModelServingArgs(name: string, args: ResolvedArgs): void {
  const checker = new ArgChecker(`ModelServing "${name}"`);
  checkModel(checker, name, args);
  checkWorkloadArgs(checker, args, MODEL_SERVING_DEFAULTS, MODEL_SERVING_INJECTED_ENV);
  checkServer(checker, args);
  checkGpus(checker, args);
  checkLoader(checker, args);
  checkLifecycle(checker, args);
  checkQueueArgs(checker, args);
  if (args.autoscaling !== undefined)
    checkAutoscalerOptions(
      checker.scoped("autoscaling."),
      isServerPresetName(args.server ?? MODEL_SERVING_DEFAULTS.server)
        ? servingAutoscalerOptions(args, args.autoscaling)
        : args.autoscaling,
    );
  checkWakeUpSelector(checker, name, args);
  if (args.monitoring !== undefined) checkMonitoringOptions(checker.scoped("monitoring."), args.monitoring);
  checker.throwIfInvalid();
}
