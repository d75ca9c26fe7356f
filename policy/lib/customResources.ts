/**
 * Pod templates inside well-known custom resources (Kubeflow training jobs and TrainJob, JobSet,
 * LeaderWorkerSet, KServe InferenceService, KubeRay, Kueue Workload): where each kind keeps its pod
 * templates (or, for TrainJob, its per-node container resources) and how many pods each template
 * runs at most. Policy config adds kinds through `customResources` (same shape as the table).
 *
 * Paths are dotted field names from the object root; `*` stands for every key of a map or every
 * item of a list, and a `*` in a replica path takes the key its template path matched there.
 */

import type { JsonSchema } from "./jsonSchema";

/** A factor of a template's pod count: the first path that is set, else the default; plus offset. */
export interface ReplicaFactor {
  readonly paths: readonly string[];
  readonly default: number;
  /** Added to the value (e.g. -1: LeaderWorkerSet workers per group are size - 1). */
  readonly offset?: number;
  /** The offset applies only when this path is set (LeaderWorkerSet: a leaderTemplate of its own). */
  readonly offsetWhenSet?: string;
}

/** One pod template (or container resources) of a kind. */
export interface TemplateLocation {
  /** Dotted path with `*` wildcards. */
  readonly path: string;
  /**
   * What the path leads to: a pod template ({metadata, spec}, the default), a pod spec itself
   * (KServe components), or one container's resources (TrainJob's resourcesPerNode).
   */
  readonly shape?: "template" | "podSpec" | "resources";
  /** For podSpec shapes: label maps (paths from the root, `*` bound) merged into the pod's labels. */
  readonly labels?: readonly string[];
  /** For podSpec shapes: fields of the spec holding a single container (KServe's `model`). */
  readonly containerFields?: readonly string[];
  /** Pods = product of the factors (none: 1 pod). */
  readonly replicas?: readonly ReplicaFactor[];
  /** The pods serve models (KServe's predictor), whatever their labels. */
  readonly modelServer?: boolean;
  /** Checked by pod rules, never counted (runtimes and templates that run nothing themselves). */
  readonly templateOnly?: boolean;
}

/** A custom resource kind and its pod templates. */
export interface CustomResourceKind {
  /** The API group, e.g. kubeflow.org. */
  readonly group: string;
  readonly kind: string;
  readonly templates: readonly TemplateLocation[];
}

const replicaSpecs = (kind: string, field: string): CustomResourceKind => ({
  group: "kubeflow.org",
  kind,
  templates: [
    { path: `spec.${field}.*.template`, replicas: [{ paths: [`spec.${field}.*.replicas`], default: 1 }] },
  ],
});

const rayCluster = (prefix: string): TemplateLocation[] => [
  { path: `${prefix}.headGroupSpec.template` },
  {
    path: `${prefix}.workerGroupSpecs.*.template`,
    replicas: [
      {
        paths: [`${prefix}.workerGroupSpecs.*.maxReplicas`, `${prefix}.workerGroupSpecs.*.replicas`],
        default: 1,
      },
      { paths: [`${prefix}.workerGroupSpecs.*.numOfHosts`], default: 1 },
    ],
  },
];

const kserveComponent = (component: string): TemplateLocation => ({
  path: `spec.${component}`,
  shape: "podSpec",
  labels: ["metadata.labels", `spec.${component}.labels`],
  containerFields: component === "predictor" ? ["model"] : [],
  modelServer: component === "predictor",
  replicas: [{ paths: [`spec.${component}.maxReplicas`, `spec.${component}.minReplicas`], default: 1 }],
});

const JOBSET_JOBS: TemplateLocation = {
  path: "spec.replicatedJobs.*.template.spec.template",
  replicas: [
    { paths: ["spec.replicatedJobs.*.replicas"], default: 1 },
    { paths: ["spec.replicatedJobs.*.template.spec.parallelism"], default: 1 },
  ],
};

/** The custom resources the pack knows, with the paths of their pod templates and replica counts. */
export const CUSTOM_RESOURCE_KINDS: readonly CustomResourceKind[] = [
  replicaSpecs("PyTorchJob", "pytorchReplicaSpecs"),
  replicaSpecs("TFJob", "tfReplicaSpecs"),
  replicaSpecs("MPIJob", "mpiReplicaSpecs"),
  replicaSpecs("XGBoostJob", "xgbReplicaSpecs"),
  replicaSpecs("PaddleJob", "paddleReplicaSpecs"),
  replicaSpecs("JAXJob", "jaxReplicaSpecs"),
  {
    group: "trainer.kubeflow.org",
    kind: "TrainJob",
    templates: [
      {
        path: "spec.trainer.resourcesPerNode",
        shape: "resources",
        replicas: [{ paths: ["spec.trainer.numNodes"], default: 1 }],
      },
    ],
  },
  {
    group: "trainer.kubeflow.org",
    kind: "TrainingRuntime",
    templates: [{ path: "spec.template.spec.replicatedJobs.*.template.spec.template", templateOnly: true }],
  },
  { group: "jobset.x-k8s.io", kind: "JobSet", templates: [JOBSET_JOBS] },
  {
    group: "leaderworkerset.x-k8s.io",
    kind: "LeaderWorkerSet",
    templates: [
      {
        path: "spec.leaderWorkerTemplate.leaderTemplate",
        replicas: [{ paths: ["spec.replicas"], default: 1 }],
      },
      {
        path: "spec.leaderWorkerTemplate.workerTemplate",
        replicas: [
          { paths: ["spec.replicas"], default: 1 },
          // Without a leaderTemplate the leader runs the worker template too.
          {
            paths: ["spec.leaderWorkerTemplate.size"],
            default: 1,
            offset: -1,
            offsetWhenSet: "spec.leaderWorkerTemplate.leaderTemplate",
          },
        ],
      },
    ],
  },
  {
    group: "serving.kserve.io",
    kind: "InferenceService",
    templates: [kserveComponent("predictor"), kserveComponent("transformer"), kserveComponent("explainer")],
  },
  { group: "ray.io", kind: "RayCluster", templates: rayCluster("spec") },
  {
    group: "ray.io",
    kind: "RayJob",
    templates: [...rayCluster("spec.rayClusterSpec"), { path: "spec.submitterPodTemplate" }],
  },
  { group: "ray.io", kind: "RayService", templates: rayCluster("spec.rayClusterConfig") },
  {
    group: "kueue.x-k8s.io",
    kind: "Workload",
    templates: [
      { path: "spec.podSets.*.template", replicas: [{ paths: ["spec.podSets.*.count"], default: 1 }] },
    ],
  },
];

const pathSchema: JsonSchema = { type: "string", minLength: 1 };

/** The configSchema of `customResources`: extra kinds, in the shape of CUSTOM_RESOURCE_KINDS. */
export const customResourcesSchema: JsonSchema = {
  type: "array",
  description:
    "Extra custom resource kinds carrying pod templates: {group, kind, templates: [{path, shape?, labels?, containerFields?, replicas?: [{paths, default, offset?, offsetWhenSet?}], templateOnly?, modelServer?}]}; paths are dotted, * matches every key or item.",
  items: {
    type: "object",
    required: ["group", "kind", "templates"],
    additionalProperties: false,
    properties: {
      group: { type: "string" },
      kind: { type: "string", minLength: 1 },
      templates: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["path"],
          additionalProperties: false,
          properties: {
            path: pathSchema,
            shape: { type: "string", enum: ["template", "podSpec", "resources"] },
            labels: { type: "array", items: pathSchema },
            containerFields: { type: "array", items: pathSchema },
            replicas: {
              type: "array",
              items: {
                type: "object",
                required: ["paths", "default"],
                additionalProperties: false,
                properties: {
                  paths: { type: "array", minItems: 1, items: pathSchema },
                  default: { type: "integer", minimum: 0 },
                  offset: { type: "integer" },
                  offsetWhenSet: pathSchema,
                },
              },
            },
            templateOnly: { type: "boolean" },
            modelServer: { type: "boolean" },
          },
        },
      },
    },
  },
};

/** The built-in kinds plus configured ones (a configured kind replaces a built-in of the same name). */
export function customResourceKinds(
  extra: readonly CustomResourceKind[] = [],
): readonly CustomResourceKind[] {
  if (extra.length === 0) return CUSTOM_RESOURCE_KINDS;
  const key = (entry: CustomResourceKind): string => `${entry.group}/${entry.kind}`;
  const configured = new Set(extra.map(key));
  return [...CUSTOM_RESOURCE_KINDS.filter((entry) => !configured.has(key(entry))), ...extra];
}
