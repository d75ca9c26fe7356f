/**
 * The stack config schema: every key the program reads, with its type, bounds and default.
 * Pulumi.yaml declares the same keys for the CLI; a unit test keeps the two in step.
 */
import { z } from "zod";
import { RequestsPerSecondSource } from "../components/autoscaling/args";
import { isWakeUpSelector, WAKE_UP_SELECTOR_ALLOWED } from "../components/autoscaling/validate";
import { DEFAULT_SERVER_PRESET, SERVER_PRESET_NAMES } from "../components/modelServing/presets";
import { KNOWN_GPU_PRODUCTS } from "../conventions/gpu";
import { isCanonicalCidr } from "../conventions/cidr";
import { isQuantity } from "../conventions/quantity";
import {
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isLabelKey,
  isLabelValue,
  isPinnedImage,
} from "../components/lib/validation";

/** The Pulumi config namespace of this project (the project name). */
export const CONFIG_NAMESPACE = "k8s-ml-patterns";

const dnsLabel = z
  .string()
  .refine(isDns1123Label, "a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)");
const image = z
  .string()
  .refine(isPinnedImage, "an image pinned by a tag other than 'latest' or an @sha256 digest");
// YAML readers write `cpu: 4` unquoted; accept the number and keep the quantity as text.
const quantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine(isQuantity, 'a Kubernetes quantity such as "500m", "4" or "16Gi"');
const wholeGpus = z.number().int().min(0);
/** A MIG profile as NVIDIA's device plugin names its resource (`nvidia.com/mig-<profile>`). */
const migProfile = z
  .string()
  .refine((value) => /^\d+g\.\d+gb$/.test(value), 'a MIG profile such as "1g.10gb" or "3g.40gb"');
/** How a workload takes its GPUs: whole (default), a time-sliced share, or a MIG slice. */
const gpuSharingKeys = {
  sharedGpu: z.boolean().default(false),
  migProfile: migProfile.optional(),
};
const positiveCount = z.number().int().min(1);
const envMap = z.record(
  z.string().refine(isEnvVarName, "an environment variable name (letters, digits, '_', '-', '.')"),
  z.string(),
);

/** GPUs per node for each GPU product the cluster offers. */
export const DEFAULT_GPU_NODES: Readonly<Record<string, number>> = Object.fromEntries(
  KNOWN_GPU_PRODUCTS.map((product) => [
    product,
    product.startsWith("NVIDIA-L40S") || product === "Tesla-T4" || product === "NVIDIA-A10G" ? 4 : 8,
  ]),
);

export const autoscalingSchema = z.strictObject({
  /** 0 (scale to zero) only with keda and wakeUpPodSelector. */
  minReplicas: z.number().int().min(0),
  maxReplicas: positiveCount,
  targetCpuUtilization: z.number().int().min(1).max(100).default(70),
  /** Only with keda, or with requestsPerSecondSource (the HPA then also scales on it). */
  targetRequestsPerSecond: z.number().positive().optional(),
  /** Where the HPA's per-pod request rate comes from; without it the HPA scales on CPU only. */
  requestsPerSecondSource: z.enum(RequestsPerSecondSource).optional(),
  /** Waiting requests per pod the HPA aims at; only with requestsPerSecondSource and a server preset exporting the gauge. */
  targetWaitingRequests: z.number().positive().optional(),
  scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
  keda: z.boolean().default(false),
  hpa: z.boolean().default(true),
  /** KEDA: pods in the namespace whose presence wakes the server (kubernetes-workload trigger). */
  wakeUpPodSelector: z.string().refine(isWakeUpSelector, WAKE_UP_SELECTOR_ALLOWED).optional(),
  /** KEDA: matching pods per replica; only with wakeUpPodSelector. */
  wakeUpPodsPerReplica: z.number().positive().optional(),
  /** KEDA: seconds between trigger checks. */
  kedaPollingIntervalSeconds: z.number().int().min(1).optional(),
  /** KEDA: seconds without an active trigger before scaling to zero. */
  kedaCooldownSeconds: z.number().int().min(0).optional(),
});

export const modelSchema = z.strictObject({
  name: dnsLabel,
  image,
  /** The server preset: generic (the default), vllm or tgi (see the README's table). */
  server: z.enum(SERVER_PRESET_NAMES).default(DEFAULT_SERVER_PRESET),
  /** Server arguments; a preset appends its own flags, which these may not set. */
  args: z.array(z.string()).default([]),
  loaderImage: image,
  modelUri: z.string().min(1),
  gpuProduct: z.string(),
  gpusPerPod: wholeGpus,
  ...gpuSharingKeys,
  cpu: quantity.default("4"),
  memory: quantity.default("16Gi"),
  replicas: positiveCount.default(1),
  maxModelLoadSeconds: z.number().int().min(30).max(7200).default(900),
  /**
   * How long `pulumi up` waits for the model's rollout before it fails the update (ModelServing's
   * `rolloutTimeoutSeconds`). Unset, it follows the replicas and the download and load budgets,
   * which can be most of an hour; a CI job that wants a stuck rollout to fail sooner sets it.
   */
  rolloutTimeoutSeconds: z.number().int().min(60).max(86400).optional(),
  /** An existing (ReadWriteMany) PersistentVolumeClaim to cache models in, shared by the replicas. */
  modelCacheClaim: z
    .string()
    .refine(isDns1123Subdomain, "a PersistentVolumeClaim name (a DNS-1123 subdomain)")
    .optional(),
  env: envMap.default({}),
  autoscaling: autoscalingSchema.optional(),
});

export const trainingJobSchema = z.strictObject({
  name: dnsLabel,
  image,
  command: z.array(z.string()).default([]),
  workers: positiveCount,
  gpuProduct: z.string(),
  gpusPerWorker: wholeGpus,
  ...gpuSharingKeys,
  cpu: quantity.default("8"),
  memory: quantity.default("32Gi"),
  checkpointStorage: quantity.optional(),
  env: envMap.default({}),
});

export const batchJobSchema = z.strictObject({
  name: dnsLabel,
  image,
  command: z.array(z.string()).default([]),
  parallelism: positiveCount,
  completions: positiveCount,
  gpuProduct: z.string(),
  gpusPerPod: wholeGpus,
  ...gpuSharingKeys,
  cpu: quantity.default("4"),
  memory: quantity.default("16Gi"),
  inputUri: z.string().min(1),
  outputUri: z.string().min(1),
  backoffLimitPerIndex: z.number().int().min(0).max(10).default(2),
  activeDeadlineSeconds: z.number().int().min(60).default(86400),
  env: envMap.default({}),
});

export const quotaSchema = z.strictObject({
  gpus: wholeGpus,
  requestsCpu: quantity,
  // Optional: CPU limits throttle model servers; without it the quota caps CPU by requests.
  limitsCpu: quantity.optional(),
  requestsMemory: quantity,
  limitsMemory: quantity,
  maxGpusPerContainer: positiveCount.optional(),
  /** Time-sliced shared GPUs (`requests.nvidia.com/gpu.shared`) the namespace may hold. */
  sharedGpus: wholeGpus.optional(),
  /** MIG slices per profile (`requests.nvidia.com/mig-<profile>`) the namespace may hold. */
  migDevices: z.record(migProfile, wholeGpus).optional(),
});

const gpuProductKey = z
  .string()
  .refine(isLabelValue, "a GPU product as a node label value (alphanumerics, '-', '_', '.', at most 63)");

/**
 * How the stack's training and batch workloads get their share of the namespace's resources.
 * `quota` (the default): the ResourceQuota alone, which refuses pods one by one. `kueue`:
 * they wait in a Kueue queue and are admitted whole when the queue's quota holds them; with
 * `queueServing` the model servers too, pod by pod.
 */
export const queueingSchema = z.strictObject({
  mode: z.enum(["quota", "kueue"]).default("quota"),
  // GPUs per product the queue admits at a time (kueue mode; one ResourceFlavor each).
  gpuQuotas: z.record(gpuProductKey, wholeGpus).optional(),
  cohort: dnsLabel.optional(),
  gpuBorrowingLimit: wholeGpus.default(0),
  flavorPrefix: dnsLabel.default("k8sml"),
  installFlavors: z.boolean().default(true),
  // Model servers outside the queue unless asked: they outrank everything and scale pod by pod.
  queueServing: z.boolean().default(false),
});

/** `queueing` when the stack config leaves it out: plain ResourceQuota. */
export const DEFAULT_QUEUEING = {
  mode: "quota",
  gpuBorrowingLimit: 0,
  flavorPrefix: "k8sml",
  installFlavors: true,
  queueServing: false,
} as const;

export const monitoringSchema = z.strictObject({
  enabled: z.boolean().default(true),
  dcgmExporter: z.boolean().default(false),
  prometheusSelectorLabels: z.record(z.string(), z.string()).default({ release: "prometheus" }),
});

export const gpuSharingSchema = z.strictObject({
  enabled: z.boolean().default(false),
  replicas: z.number().int().min(2).max(64).default(4),
  nodes: z.array(z.string()).default([]),
});

const cidr = z.string().refine(isCanonicalCidr, 'a CIDR such as "10.0.0.0/16" with no host bits set');
const tcpPort = z.number().int().min(1).max(65535);
const labelMap = z
  .record(
    z.string().refine(isLabelKey, "a label key such as app.kubernetes.io/name"),
    z.string().refine(isLabelValue, "a label value (alphanumerics, '-', '_', '.', at most 63)"),
  )
  .refine((labels) => Object.keys(labels).length > 0, "a non-empty map of labels");

/** Outside endpoints one class of workloads may reach: CIDRs and their TCP ports. */
export const egressEndpointSchema = z.strictObject({
  cidrs: z.array(cidr).default([]),
  ports: z.array(tcpPort).min(1).default([443]),
});

/** Egress the namespace allows beyond DNS; nothing else leaves it. */
export const egressSchema = z.strictObject({
  /** Where model loaders (in model-server pods) download models from. */
  modelSource: egressEndpointSchema.default({ cidrs: [], ports: [443] }),
  /** Object storage training workers and batch pods read and write. */
  objectStorage: egressEndpointSchema.default({ cidrs: [], ports: [443] }),
  /** An egress proxy in the cluster, selected by labels, that all three may use instead. */
  proxy: z.strictObject({ namespaceLabels: labelMap, podLabels: labelMap, port: tcpPort }).optional(),
  /** NodeLocal DNSCache addresses, e.g. 169.254.20.10/32, allowed for DNS besides kube-dns. */
  nodeLocalDnsCidrs: z.array(cidr).default([]),
});

export const workflowSchema = z.strictObject({
  name: dnsLabel,
  modelName: dnsLabel,
  trainingData: z.string().min(1),
  gpus: wholeGpus.default(0),
  hyperparameters: z.strictObject({
    learningRate: z.number().positive().max(1),
    batchSize: positiveCount,
    epochs: positiveCount,
  }),
});

/**
 * The pack's per-resource rules enforced by the API server too (AdmissionPolicies). Off unless a
 * stack opts in (dev and prod do), because the policies, bindings and params CRD are
 * cluster-scoped and need a deployer allowed to create them; levels and parameters come from the stack's policy pack config file
 * (`policy-config/<stack>.json` unless `policyConfig` names another, relative to the project).
 */
export const admissionPoliciesSchema = z.strictObject({
  enabled: z.boolean().default(false),
  policyConfig: z.string().default(""),
});

/** Every config key of the project, keyed by its name without the namespace. */
export const stackConfigSchema = z.strictObject({
  namespace: dnsLabel.default("ml-serving"),
  gpuNodes: z.record(gpuProductKey, positiveCount).default({ ...DEFAULT_GPU_NODES }),
  quota: quotaSchema,
  queueing: queueingSchema.default({ ...DEFAULT_QUEUEING }),
  models: z.array(modelSchema).default([]),
  trainingJobs: z.array(trainingJobSchema).default([]),
  batchJobs: z.array(batchJobSchema).default([]),
  workflows: z.array(workflowSchema).default([]),
  monitoring: monitoringSchema.default({
    enabled: true,
    dcgmExporter: false,
    prometheusSelectorLabels: { release: "prometheus" },
  }),
  gpuSharing: gpuSharingSchema.default({ enabled: false, replicas: 4, nodes: [] }),
  priorityClassPrefix: dnsLabel.default("ml"),
  installWorkflowCrd: z.boolean().default(true),
  admissionPolicies: admissionPoliciesSchema.default({ enabled: false, policyConfig: "" }),
  egress: egressSchema.default({
    modelSource: { cidrs: [], ports: [443] },
    objectStorage: { cidrs: [], ports: [443] },
    nodeLocalDnsCidrs: [],
  }),
  modelSourceToken: z.string().default(""),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TrainingJobConfig = z.infer<typeof trainingJobSchema>;
export type BatchJobConfig = z.infer<typeof batchJobSchema>;
export type WorkflowConfig = z.infer<typeof workflowSchema>;
export type QueueingConfig = z.infer<typeof queueingSchema>;
export type EgressConfig = z.infer<typeof egressSchema>;

/** The config keys the program reads (without the namespace). */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as (keyof StackConfig)[];
