/**
 * The single-resource cases of the rules enforced at both points (the pack's policy tests'
 * scenarios for gpu-limits, gpu-placement, resource-requests, pinned-images, serving-probes,
 * autoscaler-bounds and service-exposure's single-Service part), shared by
 * tests/policy/admissionCases.test.ts (the pack's verdict, in-process) and
 * tests/e2e/admissionAgreement.test.ts (the API server's verdict under the generated
 * ValidatingAdmissionPolicies), so both judge the same resources.
 */
import type { PackResource } from "../../policy/lib/resource";
import { resourcePolicies, stackPolicies } from "../../policy/policies/all";
import { validateResource, validateStack } from "./harness";
import {
  container,
  hpa,
  initContainer,
  labels,
  mutate,
  podSpecOf,
  scaledObject,
  service,
  sidecar,
  WORKLOAD_KINDS,
  workload,
  type Obj,
  type WorkloadKind,
} from "./fixtures";

/** One resource judged by one policy. */
export interface AdmissionCase {
  readonly name: string;
  /** The pack policy (and generated admission policy) that judges it. */
  readonly policy: string;
  readonly resource: PackResource;
  /** Properties over the stack's entry for the policy (the same for the pack and the params object). */
  readonly config?: Obj;
  /** Whether the pack reports it (with the stack's parameters and the case's config). */
  readonly violates: boolean | { readonly dev: boolean; readonly prod: boolean };
  /**
   * Set when the API server's own validation rejects the object before admission policies run
   * (what it says); the pack still reports it, so `pulumi preview` finds it first.
   */
  readonly apiInvalid?: string;
}

function resourcesOf(c: Obj): { requests: Obj; limits: Obj } {
  return c.resources as { requests: Obj; limits: Obj };
}

function gpuLimitCases(kind: WorkloadKind): AdmissionCase[] {
  const policy = "gpu-limits";
  const noLimit = mutate(workload(kind, "w", { gpus: 1 }), (p) => {
    const spec = (
      kind === "Pod"
        ? p.spec
        : kind === "CronJob"
          ? (((p.spec as Obj).jobTemplate as Obj).spec as Obj).template
          : (p.spec as Obj).template
    ) as Obj;
    const podSpec = (kind === "Pod" ? spec : spec.spec) as { containers: Obj[] };
    for (const first of podSpec.containers.slice(0, 1)) {
      Reflect.deleteProperty(resourcesOf(first).limits, "nvidia.com/gpu");
    }
  });
  const fractional = sidecar();
  resourcesOf(fractional).limits["nvidia.com/gpu"] = "0.5";
  const differs = initContainer({ gpus: 2 });
  resourcesOf(differs).requests["nvidia.com/gpu"] = "1";
  const effective = (): PackResource =>
    workload(kind, "w", {
      containers: [container({ gpus: 2 })],
      initContainers: [initContainer({ gpus: 4 }), sidecar({ gpus: 1 })],
    });
  return [
    {
      name: `${kind}: whole-number GPU limits with equal requests`,
      policy,
      resource: workload(kind, "w", { gpus: 2 }),
      violates: false,
    },
    {
      name: `${kind}: a GPU request without a limit`,
      policy,
      resource: noLimit,
      violates: true,
      apiInvalid: "Limit must be set",
    },
    {
      name: `${kind}: a fractional GPU limit in a native sidecar`,
      policy,
      resource: workload(kind, "w", { gpus: 1, initContainers: [fractional] }),
      violates: true,
      apiInvalid: "must be an integer",
    },
    {
      name: `${kind}: an init container whose GPU request differs from its limit`,
      policy,
      resource: workload(kind, "w", { gpus: 1, initContainers: [differs] }),
      violates: true,
      apiInvalid: "must be equal to",
    },
    {
      name: `${kind}: a GPU limit above the per-container maximum`,
      policy,
      resource: workload(kind, "w", { gpus: 4 }),
      config: { maxGpusPerContainer: 2 },
      violates: true,
    },
    {
      name: `${kind}: init container 4 + sidecar 1 + regular 2 is 4 GPUs per pod, within 4`,
      policy,
      resource: effective(),
      config: { maxGpusPerPod: 4 },
      violates: false,
    },
    {
      name: `${kind}: two containers of 3 and 2 GPUs are 5 per pod, above 4`,
      policy,
      resource: workload(kind, "w", {
        containers: [container({ gpus: 3 }), container({ name: "b", gpus: 2 })],
      }),
      config: { maxGpusPerPod: 4 },
      violates: true,
    },
    {
      name: `${kind}: the same pod above a per-pod maximum of 3`,
      policy,
      resource: effective(),
      config: { maxGpusPerPod: 3 },
      violates: true,
    },
  ];
}

function vendorCases(): AdmissionCase[] {
  const policy = "gpu-limits";
  const withLimit = (name: string, amount: string): PackResource => {
    const c = container();
    resourcesOf(c).requests[name] = amount;
    resourcesOf(c).limits[name] = amount;
    return workload("Deployment", "w", { containers: [c] });
  };
  return [
    {
      name: "AMD GPUs count: 9 amd.com/gpu is above 8",
      policy,
      resource: withLimit("amd.com/gpu", "9"),
      violates: true,
    },
    { name: "Intel Xe GPUs count", policy, resource: withLimit("gpu.intel.com/xe", "9"), violates: true },
    { name: "MIG slices count", policy, resource: withLimit("nvidia.com/mig-1g.10gb", "9"), violates: true },
    {
      name: "an unknown extended resource is not a GPU",
      policy,
      resource: withLimit("habana.ai/gaudi", "9"),
      violates: false,
    },
    {
      name: "a resource named in extraGpuResources counts",
      policy,
      resource: withLimit("habana.ai/gaudi", "9"),
      config: { extraGpuResources: ["habana.ai/gaudi"] },
      violates: true,
    },
    {
      name: "GPUs of several resources add up per pod",
      policy,
      resource: workload("Pod", "w", {
        containers: [container({ name: "a", gpus: 3 }), container({ name: "b", gpus: 3 })],
      }),
      config: { maxGpusPerPod: 5 },
      violates: true,
    },
  ];
}

function resourceRequestCases(kind: WorkloadKind): AdmissionCase[] {
  const policy = "resource-requests";
  const bare = (o: Parameters<typeof container>[0] = {}): Obj => {
    const c = container(o);
    c.resources = {};
    return c;
  };
  const partial = initContainer();
  resourcesOf(partial).limits = {};
  return [
    {
      name: `${kind}: containers, init containers and sidecars with requests and limits`,
      policy,
      resource: workload(kind, "w", { initContainers: [initContainer(), sidecar()] }),
      violates: false,
    },
    {
      name: `${kind}: what each container misses, init containers and sidecars included`,
      policy,
      resource: workload(kind, "w", {
        containers: [bare()],
        initContainers: [partial, bare({ name: "model-loader", extra: { restartPolicy: "Always" } })],
      }),
      violates: true,
    },
  ];
}

function moreResourceRequestCases(): AdmissionCase[] {
  const policy = "resource-requests";
  const noLimits = container();
  resourcesOf(noLimits).limits = {};
  const bareRequests = container();
  resourcesOf(bareRequests).requests = {};
  resourcesOf(bareRequests).limits = {};
  const invalid = container();
  resourcesOf(invalid).requests.cpu = "two";
  const above = container();
  resourcesOf(above).requests.memory = "64Gi";
  const units = container();
  resourcesOf(units).requests = { cpu: "0.5", memory: "1Gi" };
  resourcesOf(units).limits = { cpu: "500m", memory: "1024Mi" };
  return [
    {
      name: "limits optional through config",
      policy,
      resource: workload("Deployment", "w", { containers: [noLimits] }),
      config: { requireCpuLimit: false, requireMemoryLimit: false },
      violates: false,
    },
    {
      name: "requests stay required when limits are optional",
      policy,
      resource: workload("Deployment", "w", { containers: [bareRequests] }),
      config: { requireCpuLimit: false, requireMemoryLimit: false },
      violates: true,
    },
    {
      name: "limits required by default",
      policy,
      resource: workload("Deployment", "w", { containers: [noLimits] }),
      violates: true,
    },
    {
      name: "an invalid quantity",
      policy,
      resource: workload("Deployment", "w", { containers: [invalid] }),
      violates: true,
      apiInvalid: "quantities must match the regular expression",
    },
    {
      name: "a request above its limit",
      policy,
      resource: workload("Deployment", "w", { containers: [above] }),
      violates: true,
      apiInvalid: "must be less than or equal to memory limit",
    },
    {
      name: "quantities compared across units",
      policy,
      resource: workload("Pod", "w", { containers: [units] }),
      violates: false,
    },
  ];
}

function imageCases(kind: WorkloadKind): AdmissionCase[] {
  const policy = "pinned-images";
  const withImage = (image: string): PackResource =>
    workload(kind, "w", { containers: [container({ image })], initContainers: [sidecar()] });
  return [
    {
      name: `${kind}: a release tag`,
      policy,
      resource: withImage("vllm/vllm-openai:v0.6.3"),
      violates: false,
    },
    { name: `${kind}: :latest`, policy, resource: withImage("vllm/vllm-openai:latest"), violates: true },
    { name: `${kind}: no tag`, policy, resource: withImage("vllm/vllm-openai"), violates: true },
  ];
}

const DIGEST = "sha256:" + "a".repeat(64);

function moreImageCases(): AdmissionCase[] {
  const policy = "pinned-images";
  const withImage = (image: string): PackResource =>
    workload("Deployment", "w", { containers: [container({ image })] });
  return [
    { name: "a digest", policy, resource: withImage(`vllm/vllm-openai@${DIGEST}`), violates: false },
    {
      name: "a tag and a digest",
      policy,
      resource: withImage(`vllm/vllm-openai:v1@${DIGEST}`),
      violates: false,
    },
    {
      name: "a malformed digest",
      policy,
      resource: withImage("vllm/vllm-openai@sha256:abc"),
      violates: true,
    },
    {
      name: "the moving tag in capitals",
      policy,
      resource: withImage("vllm/vllm-openai:LATEST"),
      violates: true,
    },
    {
      name: "a registry port is not a tag",
      policy,
      resource: withImage("registry.local:5000/vllm"),
      violates: true,
    },
    {
      name: "a registry port and a tag",
      policy,
      resource: withImage("registry.local:5000/vllm:1.2"),
      violates: false,
    },
    {
      name: "a tag when digests are required",
      policy,
      resource: withImage("vllm/vllm-openai:v0.6.3"),
      config: { requireDigest: true },
      violates: true,
    },
    {
      name: "a digest when digests are required",
      policy,
      resource: withImage(`vllm/vllm-openai@${DIGEST}`),
      config: { requireDigest: true },
      violates: false,
    },
    {
      name: "a configured moving tag",
      policy,
      resource: withImage("vllm/vllm-openai:nightly"),
      config: { forbiddenTags: ["latest", "nightly"] },
      violates: true,
    },
  ];
}

/** A ScaledObject with a trigger (KEDA's CRD requires one; the rule does not read it). */
function keda(min?: number, max?: number): PackResource {
  return mutate(scaledObject("llm", "llm", min, max), (props) => {
    (props.spec as Obj).triggers = [{ type: "cpu", metricType: "Utilization", metadata: { value: "70" } }];
  });
}

function autoscalerCases(): AdmissionCase[] {
  const policy = "autoscaler-bounds";
  return [
    { name: "an HPA of 2..10", policy, resource: hpa("llm", "llm", 2, 10), violates: false },
    {
      name: "an HPA above the cap (dev 10, prod 50)",
      policy,
      resource: hpa("llm", "llm", 2, 60),
      violates: true,
    },
    {
      name: "an HPA whose maximum is above dev's cap only",
      policy,
      resource: hpa("llm", "llm", 2, 20),
      violates: { dev: true, prod: false },
    },
    {
      name: "an HPA with the default minimum of 1 (prod's floor is 2)",
      policy,
      resource: hpa("llm", "llm", undefined, 5),
      violates: { dev: false, prod: true },
    },
    {
      name: "an HPA without a maximum",
      policy,
      resource: hpa("llm", "llm", 2, undefined),
      violates: true,
      apiInvalid: "maxReplicas",
    },
    {
      name: "an HPA whose minimum is above its maximum",
      policy,
      resource: hpa("llm", "llm", 5, 3),
      violates: true,
      apiInvalid: "must be greater than or equal to `minReplicas`",
    },
    {
      name: "a ScaledObject scaling to zero (dev allows it, prod does not)",
      policy,
      resource: keda(0, 5),
      violates: { dev: false, prod: true },
    },
    {
      name: "a ScaledObject without counts (KEDA's 0..100)",
      policy,
      resource: keda(),
      violates: true,
    },
    {
      name: "a ScaledObject whose minimum is above its maximum",
      policy,
      resource: keda(6, 4),
      violates: true,
      // KEDA's own CRD (tools/keda) validates the bounds before admission.
      apiInvalid: "minReplicaCount must be less than or equal to maxReplicaCount",
    },
    { name: "a ScaledObject of 2..8", policy, resource: keda(2, 8), violates: false },
  ];
}

function placementCases(kind: WorkloadKind): AdmissionCase[] {
  const policy = "gpu-placement";
  return [
    {
      name: `${kind}: a GPU pod with the toleration and an allowed product`,
      policy,
      resource: workload(kind, "w", { gpus: 1 }),
      violates: false,
    },
    {
      name: `${kind}: a GPU pod without toleration and product`,
      policy,
      resource: mutate(workload(kind, "w", { gpus: 1 }), (p) => {
        const spec = podSpecOf(kind, p);
        Reflect.deleteProperty(spec, "tolerations");
        Reflect.deleteProperty(spec, "affinity");
      }),
      violates: true,
    },
    {
      name: `${kind}: a GPU native sidecar`,
      policy,
      resource: workload(kind, "w", { initContainers: [sidecar({ gpus: 1 })] }),
      violates: true,
    },
  ];
}

function morePlacementCases(): AdmissionCase[] {
  const policy = "gpu-placement";
  const gpuDeployment = (edit: (spec: Obj) => void): PackResource =>
    mutate(workload("Deployment", "w", { gpus: 1 }), (p) => {
      edit(podSpecOf("Deployment", p));
    });
  const term = (expressions: Obj[]): Obj => ({ matchExpressions: expressions });
  const affinityOf = (terms: Obj[]): Obj => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
  });
  const product = (operator: string, values: string[]): Obj => ({
    key: "nvidia.com/gpu.product",
    operator,
    values,
  });
  return [
    { name: "a CPU pod", policy, resource: workload("Deployment", "cpu"), violates: false },
    {
      name: "a nodeSelector on an allowed product, and an Equal toleration",
      policy,
      resource: gpuDeployment((spec) => {
        Reflect.deleteProperty(spec, "affinity");
        spec.nodeSelector = { "nvidia.com/gpu.product": "NVIDIA-L40S" };
        spec.tolerations = [
          { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
        ];
      }),
      violates: false,
    },
    {
      name: "a toleration without effect",
      policy,
      resource: gpuDeployment((spec) => {
        spec.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists" }];
      }),
      violates: false,
    },
    {
      name: "a tolerate-everything toleration",
      policy,
      resource: gpuDeployment((spec) => {
        spec.tolerations = [{ operator: "Exists" }];
      }),
      violates: false,
    },
    {
      name: "tolerations for the wrong effect and key",
      policy,
      resource: gpuDeployment((spec) => {
        spec.tolerations = [
          { key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute" },
          { key: "dedicated", operator: "Equal", value: "ml", effect: "NoSchedule" },
        ];
      }),
      violates: true,
    },
    {
      name: "products outside the allowed list in nodeSelector and affinity",
      policy,
      resource: gpuDeployment((spec) => {
        spec.nodeSelector = { "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-4090" };
        spec.affinity = affinityOf([term([product("In", ["NVIDIA-L40S", "NVIDIA-B200", "NVIDIA-X"])])]);
      }),
      violates: true,
    },
    {
      name: "a second nodeSelectorTerm that does not pin the product",
      policy,
      resource: gpuDeployment((spec) => {
        spec.affinity = affinityOf([
          term([product("In", ["NVIDIA-L40S"])]),
          term([product("NotIn", ["Tesla-T4"])]),
        ]);
      }),
      violates: true,
    },
    {
      name: "every nodeSelectorTerm pins an allowed product",
      policy,
      resource: gpuDeployment((spec) => {
        spec.affinity = affinityOf([
          term([product("In", ["NVIDIA-L40S"])]),
          term([product("In", ["NVIDIA-L4"])]),
        ]);
      }),
      violates: false,
    },
    {
      name: "custom: a product label and taint of another cloud",
      policy,
      config: { productLabel: "cloud.example.com/accelerator", allowedProducts: ["a100"], taintKey: "gpu" },
      resource: gpuDeployment((spec) => {
        Reflect.deleteProperty(spec, "affinity");
        spec.nodeSelector = { "cloud.example.com/accelerator": "a100" };
        spec.tolerations = [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }];
      }),
      violates: false,
    },
    {
      name: "custom: the default product label is not the configured one",
      policy,
      config: { productLabel: "cloud.example.com/accelerator", allowedProducts: ["a100"], taintKey: "gpu" },
      resource: workload("Deployment", "w", { gpus: 1 }),
      violates: true,
    },
  ];
}

function probeCases(kind: WorkloadKind): AdmissionCase[] {
  const policy = "serving-probes";
  const without = (...probes: string[]): Obj => {
    const server = container();
    for (const probe of probes) Reflect.deleteProperty(server, probe);
    return server;
  };
  return [
    {
      name: `${kind}: a model server with probes`,
      policy,
      resource: workload(kind, "w", { containers: [container()], initContainers: [sidecar()] }),
      violates: false,
    },
    {
      name: `${kind}: no readiness or liveness probe`,
      policy,
      resource: workload(kind, "w", { containers: [without("readinessProbe", "livenessProbe")] }),
      violates: true,
    },
    {
      name: `${kind}: no startup probe (required in prod)`,
      policy,
      resource: workload(kind, "w", { containers: [without("startupProbe")] }),
      violates: { dev: false, prod: true },
    },
  ];
}

function moreProbeCases(): AdmissionCase[] {
  const policy = "serving-probes";
  const noProbes = (): Obj => {
    const server = container({ name: "app" });
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"])
      Reflect.deleteProperty(server, probe);
    return server;
  };
  const handlerless = container({ extra: { readinessProbe: { periodSeconds: 10 } } });
  const custom = {
    modelServerLabel: { key: "serving", value: "yes" },
    modelServerSelectors: [
      { matchLabels: { tier: "inference" }, matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] },
      {
        matchExpressions: [
          { key: "engine", operator: "NotIn", values: ["none"] },
          { key: "engine", operator: "Exists" },
        ],
      },
    ],
    exemptContainers: ["log-shipper"],
  };
  const labelled = (lbls: Record<string, string>, containers: Obj[] = [noProbes()]): PackResource =>
    workload("Deployment", "w", { labels: lbls, containers });
  return [
    { name: "a trainer without probes", policy, resource: labelled(labels("w", "trainer")), violates: false },
    {
      name: "a probe without a handler",
      policy,
      resource: workload("Deployment", "w", { containers: [handlerless] }),
      violates: true,
      apiInvalid: "must specify a handler type",
    },
    {
      name: "an upstream vLLM chart's pods (app.kubernetes.io/name: vllm) without probes",
      policy,
      resource: labelled({ "app.kubernetes.io/name": "vllm" }),
      violates: true,
    },
    {
      name: "a KServe predictor (serving.kserve.io/inferenceservice) without probes",
      policy,
      resource: labelled({ "serving.kserve.io/inferenceservice": "llama" }),
      violates: true,
    },
    {
      name: "component: predictor without probes",
      policy,
      resource: labelled({ component: "predictor" }),
      violates: true,
    },
    {
      name: "custom: the configured label",
      policy,
      config: custom,
      resource: labelled({ serving: "yes" }),
      violates: true,
    },
    {
      name: "custom: the project's label is not configured",
      policy,
      config: custom,
      resource: labelled(labels("w")),
      violates: false,
    },
    {
      name: "custom: matchLabels and DoesNotExist",
      policy,
      config: custom,
      resource: labelled({ tier: "inference" }),
      violates: true,
    },
    {
      name: "custom: DoesNotExist fails",
      policy,
      config: custom,
      resource: labelled({ tier: "inference", canary: "true" }),
      violates: false,
    },
    {
      name: "custom: NotIn and Exists",
      policy,
      config: custom,
      resource: labelled({ engine: "vllm" }),
      violates: true,
    },
    {
      name: "custom: NotIn fails",
      policy,
      config: custom,
      resource: labelled({ engine: "none" }),
      violates: false,
    },
    {
      name: "custom: an exempt container needs no probes",
      policy,
      config: custom,
      resource: labelled({ serving: "yes" }, [container(), { ...noProbes(), name: "log-shipper" }]),
      violates: false,
    },
  ];
}

function exposureCases(): AdmissionCase[] {
  const policy = "service-exposure";
  const server = { "app.kubernetes.io/component": "model-server" };
  const allowLoadBalancers = { allowedTypes: ["LoadBalancer"] };
  const custom = {
    modelServerSelectors: [{ matchExpressions: [{ key: "engine", operator: "NotIn", values: ["none"] }] }],
  };
  return [
    {
      name: "a ClusterIP Service of model servers",
      policy,
      resource: service("s", undefined, server),
      violates: false,
    },
    {
      name: "a LoadBalancer of model servers",
      policy,
      resource: service("s", "LoadBalancer", server),
      violates: true,
    },
    {
      name: "a NodePort of model servers",
      policy,
      resource: service("s", "NodePort", server),
      violates: true,
    },
    {
      name: "a LoadBalancer of other pods",
      policy,
      resource: service("s", "LoadBalancer", { app: "gateway" }),
      violates: false,
    },
    {
      name: "a LoadBalancer without a selector",
      policy,
      resource: service("s", "LoadBalancer", undefined),
      violates: false,
    },
    {
      name: "a LoadBalancer of an upstream vLLM chart's pods",
      policy,
      resource: service("s", "LoadBalancer", { "app.kubernetes.io/name": "vllm", tier: "x" }),
      violates: true,
    },
    {
      name: "a NodePort of KServe predictors (Exists)",
      policy,
      resource: service("s", "NodePort", { "serving.kserve.io/inferenceservice": "llama" }),
      violates: true,
    },
    {
      name: "allowed LoadBalancers",
      policy,
      config: allowLoadBalancers,
      resource: service("s", "LoadBalancer", server),
      violates: false,
    },
    {
      name: "allowed LoadBalancers, not NodePorts",
      policy,
      config: allowLoadBalancers,
      resource: service("s", "NodePort", server),
      violates: true,
    },
    {
      name: "custom: NotIn follows",
      policy,
      config: custom,
      resource: service("s", "NodePort", { engine: "vllm" }),
      violates: true,
    },
    {
      name: "custom: NotIn does not",
      policy,
      config: custom,
      resource: service("s", "NodePort", { engine: "none" }),
      violates: false,
    },
  ];
}

/** Every case, rule by rule. */
export const ADMISSION_CASES: readonly AdmissionCase[] = [
  ...WORKLOAD_KINDS.flatMap(gpuLimitCases),
  ...vendorCases(),
  ...WORKLOAD_KINDS.flatMap(placementCases),
  ...morePlacementCases(),
  ...WORKLOAD_KINDS.flatMap(resourceRequestCases),
  ...moreResourceRequestCases(),
  ...WORKLOAD_KINDS.flatMap(imageCases),
  ...moreImageCases(),
  ...WORKLOAD_KINDS.flatMap(probeCases),
  ...moreProbeCases(),
  ...autoscalerCases(),
  ...exposureCases(),
];

/**
 * The pack's messages for a case's resource on its own: its resource policy's, or its stack
 * policy's over a stack of that one resource (what one object sent with kubectl shows).
 */
export async function packMessages(
  policyName: string,
  resource: PackResource,
  config: Obj,
): Promise<string[]> {
  const resourcePolicy = resourcePolicies.find((candidate) => candidate.name === policyName);
  if (resourcePolicy) return validateResource(resourcePolicy, resource, config);
  const stackPolicy = stackPolicies.find((candidate) => candidate.name === policyName);
  if (!stackPolicy) throw new Error(`no policy ${policyName}`);
  return (await validateStack(stackPolicy, [resource], config)).map((violation) => violation.message);
}

/** Whether the pack should report the case at a stack's level. */
export function expectedViolation(testCase: AdmissionCase, stack: "dev" | "prod"): boolean {
  return typeof testCase.violates === "boolean" ? testCase.violates : testCase.violates[stack];
}
