import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  buildDeployment,
  buildLoaderContainer,
  buildPodDisruptionBudget,
  buildPodSpec,
  buildServerContainer,
  buildService,
  buildServiceAccount,
  buildVolumes,
  DEFAULT_LOADER_COMMAND,
  DEFAULT_LOADER_IMAGE,
  MODEL_SERVING_TYPE,
  ModelServing,
  type ModelServingArgs,
  serviceDnsName,
  validateModelServingArgs,
  withModelServingDefaults,
  modelUriKey,
} from "../../components/modelServing";
import { ValidationError } from "../../components/lib/validation";
import { Autoscaling } from "../../components/autoscaling";
import { AUTOSCALING_TYPE } from "../../components/autoscaling/autoscaling";
import { FORMER_COMPONENT_TYPES } from "../../components/lib/typeTokens";
import { ModelMonitoring } from "../../components/monitoring";
import { MODEL_MONITORING_TYPE } from "../../components/monitoring/monitoring";
import { captureOptions } from "./captureOptions";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument */

const ARGS = {
  namespace: "ml-serving",
  modelName: "llama-3-8b",
  modelUri: ":s3,provider=AWS,env_auth=true:models/llama-3-8b",
  image: "vllm/vllm-openai:v0.6.3",
  args: ["--model", "/models/llama-3-8b"],
  gpusPerPod: 2,
  gpuProducts: ["NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-80GB"],
  cpu: "8",
  memory: "64Gi",
  env: { VLLM_PORT: "8000" },
} satisfies ModelServingArgs;

type PlainArgs = pulumi.Unwrap<ModelServingArgs>;

const settings = (overrides: Partial<PlainArgs> = {}) =>
  withModelServingDefaults("llama", { ...ARGS, ...overrides });

function envMap(container: any): Map<string, string> {
  return new Map((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
}

function invalid(overrides: Partial<PlainArgs>, message: string): void {
  assert.throws(
    () => {
      validateModelServingArgs("llama", { ...ARGS, ...overrides });
    },
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
      assert.equal(error.message, `ModelServing "llama": invalid arguments: ${message}`);
      return true;
    },
  );
}

describe("ModelServing spec builders", () => {
  it("applies the documented defaults", () => {
    const s = withModelServingDefaults("m", {
      namespace: "ns",
      modelName: "m",
      modelUri: ":http,url=https://example.com:m",
      image: "img:1",
    });
    assert.deepEqual(
      { ...s, loaderCommand: undefined },
      {
        name: "m",
        namespace: "ns",
        modelName: "m",
        modelUri: ":http,url=https://example.com:m",
        image: "img:1",
        server: "generic",
        metricsOnHttpPort: false,
        command: undefined,
        args: undefined,
        env: {},
        httpPort: 8000,
        metricsPort: 9090,
        livenessPath: "/health",
        readinessPath: "/health",
        replicas: 1,
        maxModelDownloadSeconds: 1800,
        maxModelLoadSeconds: 900,
        autoscaled: false,
        autoscaling: undefined,
        monitoring: undefined,
        gpusPerPod: 1,
        gpuResourceName: "nvidia.com/gpu",
        gpuProducts: [],
        cpu: "4",
        memory: "32Gi",
        cpuLimit: "4",
        sharedMemorySize: "8Gi",
        modelCacheSizeLimit: undefined,
        modelCacheClaimName: undefined,
        loaderImage: DEFAULT_LOADER_IMAGE,
        loaderCommand: undefined,
        loaderArgs: undefined,
        loaderEnv: {},
        loaderSecretName: undefined,
        modelSourceTokenSecretName: undefined,
        modelSourceTokenSecretKey: "MODEL_SOURCE_TOKEN",
        modelSourceTokenEnv: "MODEL_SOURCE_TOKEN",
        loaderCpu: "1",
        loaderMemory: "1Gi",
        classicInitContainer: false,
        drainSeconds: 15,
        terminationGracePeriodSeconds: 120,
        pdbMinAvailable: undefined,
        priorityClassName: undefined,
        automountServiceAccountToken: false,
        serviceAccountAnnotations: {},
        runAsUser: 1000,
        readOnlyRootFilesystem: true,
        rolloutTimeoutSeconds: 3000,
        clusterDomain: "cluster.local",
      },
    );
    assert.deepEqual(s.loaderCommand, DEFAULT_LOADER_COMMAND);
    // A custom loader image runs its own entrypoint unless a command is given.
    assert.equal(settings({ loaderImage: "ghcr.io/org/hf-loader:2.0" }).loaderCommand, undefined);
  });

  it("runs the loader as a native sidecar gated on the ready marker", () => {
    const loader: any = buildLoaderContainer(settings());
    assert.equal(loader.name, "model-loader");
    assert.equal(loader.restartPolicy, "Always");
    assert.deepEqual(loader.startupProbe, {
      exec: { command: ["test", "-f", `/models/llama-3-8b/${modelUriKey(ARGS.modelUri)}/.model-ready`] },
      periodSeconds: 10,
      failureThreshold: 180,
    });
    const env = envMap(loader);
    assert.equal(env.get("MODEL_URI"), ARGS.modelUri);
    assert.match(env.get("MODEL_DIR") ?? "", /^\/models\/llama-3-8b\/[0-9a-f]{16}$/);
    assert.equal(
      env.get("MODEL_READY_FILE"),
      `/models/llama-3-8b/${modelUriKey(ARGS.modelUri)}/.model-ready`,
    );
    assert.equal(env.get("LOADER_STAY_RUNNING"), "true");
    assert.equal(env.get("HOME"), "/tmp");
    assert.deepEqual(loader.command, [...DEFAULT_LOADER_COMMAND]);
    assert.match(loader.command[2], /rclone copy "\$MODEL_URI" "\$tmp"/);
    assert.deepEqual(loader.resources, {
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
  });

  it("runs the loader to completion as a classic init container on request", () => {
    const loader: any = buildLoaderContainer(settings({ classicInitContainer: true }));
    assert.equal(loader.restartPolicy, undefined);
    // Kubernetes rejects probes on classic init containers.
    assert.equal(loader.startupProbe, undefined);
    assert.equal(envMap(loader).get("LOADER_STAY_RUNNING"), "false");
  });

  it("hands storage credentials to the loader from a Secret", () => {
    const loader: any = buildLoaderContainer(
      settings({ loaderSecretName: "model-store", loaderEnv: { RCLONE_S3_REGION: "eu-west-1" } }),
    );
    assert.deepEqual(loader.envFrom, [{ secretRef: { name: "model-store" } }]);
    assert.equal(envMap(loader).get("RCLONE_S3_REGION"), "eu-west-1");
  });

  it("mounts /models in both containers, read-only in the server", () => {
    const pod: any = buildPodSpec(settings());
    const mountOf = (c: any): unknown => c.volumeMounts.find((m: any) => m.mountPath === "/models");
    assert.deepEqual(mountOf(pod.initContainers[0]), { name: "models", mountPath: "/models" });
    assert.deepEqual(mountOf(pod.containers[0]), { name: "models", mountPath: "/models", readOnly: true });
    assert.deepEqual(pod.volumes[0], { name: "models", emptyDir: {} });
  });

  it("uses an emptyDir with a size limit, or an existing claim as a shared cache", () => {
    assert.deepEqual(buildVolumes(settings({ modelCacheSizeLimit: "200Gi" }))[0], {
      name: "models",
      emptyDir: { sizeLimit: "200Gi" },
    });
    assert.deepEqual(buildVolumes(settings({ modelCacheClaimName: "model-cache" }))[0], {
      name: "models",
      persistentVolumeClaim: { claimName: "model-cache" },
    });
  });

  it("gives the server GPUs, /dev/shm in memory, ports and probes without initial delays", () => {
    const server: any = buildServerContainer(settings({ maxModelLoadSeconds: 1205 }));
    assert.equal(server.name, "model-server");
    assert.deepEqual(server.resources, {
      requests: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "2" },
    });
    assert.deepEqual(server.ports, [
      { name: "http", containerPort: 8000, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    assert.deepEqual(server.startupProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 121,
    });
    assert.deepEqual(server.readinessProbe.httpGet, { path: "/health", port: "http" });
    assert.deepEqual(server.livenessProbe.httpGet, { path: "/health", port: "http" });
    for (const probe of [server.startupProbe, server.readinessProbe, server.livenessProbe]) {
      assert.equal(probe.initialDelaySeconds, undefined);
    }
    assert.deepEqual(server.lifecycle, { preStop: { sleep: { seconds: 15 } } });
    assert.deepEqual(
      server.volumeMounts.find((m: any) => m.mountPath === "/dev/shm"),
      { name: "dshm", mountPath: "/dev/shm" },
    );
    const volumes: any[] = buildVolumes(settings({ sharedMemorySize: "16Gi" }));
    assert.deepEqual(
      volumes.find((v) => v.name === "dshm"),
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } },
    );
    const env = envMap(server);
    assert.match(env.get("MODEL_DIR") ?? "", /^\/models\/llama-3-8b\/[0-9a-f]{16}$/);
    assert.equal(env.get("MODEL_NAME"), "llama-3-8b");
    assert.equal(env.get("VLLM_PORT"), "8000");
    assert.deepEqual(server.args, ARGS.args);
  });

  it("sets a higher CPU limit on request", () => {
    const server: any = buildServerContainer(settings({ cpuLimit: "12" }));
    assert.equal(server.resources.limits.cpu, "12");
    assert.equal(server.resources.requests.cpu, "8");
  });

  it("requests a shared or MIG GPU resource by name", () => {
    const server: any = buildServerContainer(
      settings({ gpusPerPod: 1, gpuResourceName: "nvidia.com/mig-1g.10gb" }),
    );
    assert.equal(server.resources.limits["nvidia.com/mig-1g.10gb"], "1");
    assert.equal(server.resources.requests["nvidia.com/mig-1g.10gb"], "1");
    assert.equal(server.resources.limits["nvidia.com/gpu"], undefined);
  });

  it("keeps a user HOME instead of injecting one", () => {
    const server: any = buildServerContainer(settings({ env: { HOME: "/cache" } }));
    const homes = server.env.filter((e: any) => e.name === "HOME");
    assert.deepEqual(homes, [{ name: "HOME", value: "/cache" }]);
  });

  it("runs every container restricted, without an API token, on the configured GPU products", () => {
    const pod: any = buildPodSpec(settings({ priorityClassName: "ml-serving" }));
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, "llama");
    assert.equal(pod.priorityClassName, "ml-serving");
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    for (const container of [...pod.initContainers, ...pod.containers]) {
      assert.deepEqual(container.securityContext, {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
    }
    assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0],
      { key: "nvidia.com/gpu.product", operator: "In", values: ARGS.gpuProducts },
    );
    assert.equal(pod.terminationGracePeriodSeconds, 120);
    const cpuOnly: any = buildPodSpec(settings({ gpusPerPod: 0, gpuProducts: [] }));
    assert.equal(cpuOnly.tolerations, undefined);
    assert.equal(cpuOnly.affinity, undefined);
  });

  it("rolls out one extra pod at a time, with deadlines long enough for slow loads", () => {
    const { metadata, spec }: any = buildDeployment(settings({ replicas: 3 }));
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    assert.equal(spec.replicas, 3);
    // 1800 s download + 900 s load + 300 s slack per pod, three pods one after another.
    assert.equal(spec.progressDeadlineSeconds, 3000);
    assert.equal(metadata.annotations["pulumi.com/timeoutSeconds"], "9000");
    assert.equal(
      (buildDeployment(settings({ rolloutTimeoutSeconds: 1200 })).metadata as any).annotations[
        "pulumi.com/timeoutSeconds"
      ],
      "1200",
    );
    // The timeout follows the autoscaler's maximum: a rollout at maximum scale replaces that many pods.
    const scaled: any = buildDeployment(
      settings({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 4, targetRequestsPerSecond: 10 } }),
    );
    assert.equal(scaled.metadata.annotations["pulumi.com/timeoutSeconds"], "12000");
    // An outside autoscaler's maximum, given as maxReplicas.
    const outside: any = buildDeployment(settings({ replicas: 1, autoscaled: true, maxReplicas: 3 }));
    assert.equal(outside.metadata.annotations["pulumi.com/timeoutSeconds"], "9000");
    const selector = { "app.kubernetes.io/name": "llama-3-8b", "app.kubernetes.io/instance": "llama" };
    assert.deepEqual(spec.selector.matchLabels, selector);
    assert.deepEqual(spec.template.metadata.labels, {
      ...selector,
      "app.kubernetes.io/component": "model-server",
      "app.kubernetes.io/part-of": "k8s-ml-patterns",
      "app.kubernetes.io/managed-by": "pulumi",
    });
    assert.deepEqual(metadata.labels, spec.template.metadata.labels);
  });

  it("exposes http and metrics on a ClusterIP Service labelled like the pods", () => {
    const s = settings();
    const { metadata, spec }: any = buildService(s);
    assert.equal(spec.type, "ClusterIP");
    assert.deepEqual(spec.selector, {
      "app.kubernetes.io/name": "llama-3-8b",
      "app.kubernetes.io/instance": "llama",
    });
    assert.deepEqual(metadata.labels, (buildDeployment(s).metadata as any).labels);
    assert.equal(metadata.annotations["pulumi.com/skipAwait"], "true");
    assert.deepEqual(spec.ports, [
      { name: "http", port: 8000, targetPort: "http", protocol: "TCP" },
      { name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" },
    ]);
    assert.equal(serviceDnsName(s), "llama.ml-serving.svc.cluster.local");
  });

  it("allows one voluntary disruption by default, or keeps minAvailable", () => {
    const byDefault: any = buildPodDisruptionBudget(settings());
    assert.equal(byDefault.spec.maxUnavailable, 1);
    assert.equal(byDefault.spec.minAvailable, undefined);
    assert.equal(byDefault.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
    const withMin: any = buildPodDisruptionBudget(settings({ replicas: 4, pdbMinAvailable: 2 }));
    assert.equal(withMin.spec.minAvailable, 2);
    assert.equal(withMin.spec.maxUnavailable, undefined);
  });

  it("gives the pods a ServiceAccount of their own without a token", () => {
    const sa = buildServiceAccount(
      settings({ serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loader" } }),
    );
    assert.equal(sa.automountServiceAccountToken, false);
    assert.equal(sa.metadata.name, "llama");
    assert.deepEqual(sa.metadata.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loader" });
  });
});

describe("ModelServing validation", () => {
  it("accepts the example arguments", () => {
    validateModelServingArgs("llama", ARGS);
  });

  const cases: [string, Partial<PlainArgs>, string][] = [
    ["a negative GPU count", { gpusPerPod: -1 }, "gpusPerPod must be a whole number at least 0; got -1"],
    ["a fractional GPU count", { gpusPerPod: 1.5 }, "gpusPerPod must be a whole number at least 0; got 1.5"],
    [
      "an untagged image",
      { image: "vllm/vllm-openai" },
      `image must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got "vllm/vllm-openai"`,
    ],
    [
      "a latest loader image",
      { loaderImage: "rclone/rclone:latest" },
      `loaderImage must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got "rclone/rclone:latest"`,
    ],
    [
      "an invalid namespace",
      { namespace: "ML_Serving" },
      `namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "ML_Serving"`,
    ],
    [
      "an invalid model name",
      { modelName: "Llama-3.1" },
      `modelName must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "Llama-3.1"`,
    ],
    [
      "an empty model URI",
      { modelUri: "" },
      `modelUri must be a non-empty location without whitespace; got ""`,
    ],
    [
      "a GPU product that is no label value",
      { gpuProducts: ["NVIDIA H100"] },
      `gpuProducts must be a list of nvidia.com/gpu.product label values (each at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit); got ["NVIDIA H100"]`,
    ],
    [
      "duplicate GPU products",
      { gpuProducts: ["NVIDIA-L40S", "NVIDIA-L40S"] },
      `gpuProducts must be a list without duplicates; got ["NVIDIA-L40S","NVIDIA-L40S"]`,
    ],
    [
      "GPU products for a CPU-only server",
      { gpusPerPod: 0, gpuProducts: ["NVIDIA-L40S"] },
      `gpuProducts must be empty when gpusPerPod is 0 (a CPU-only server is not placed on GPU nodes); got ["NVIDIA-L40S"]`,
    ],
    [
      "GPU pods without a GPU product",
      { gpusPerPod: 1, gpuProducts: [] },
      "gpuProducts must be at least one GPU product when gpusPerPod is above 0 (GPU pods are placed on a product by node affinity); got []",
    ],
    [
      "a CPU limit below the request",
      { cpu: "8", cpuLimit: "4" },
      `cpuLimit must be at least cpu (8); Kubernetes rejects a limit below the request; got "4"`,
    ],
    [
      "an invalid GPU resource name",
      { gpuResourceName: "gpu" },
      `gpuResourceName must be an extended resource name such as "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb"; got "gpu"`,
    ],
    ["zero replicas", { replicas: 0 }, "replicas must be a whole number at least 1; got 0"],
    [
      "a port out of range",
      { httpPort: 70000 },
      "httpPort must be a whole number between 1 and 65535; got 70000",
    ],
    [
      "metrics on the http port",
      { httpPort: 8080, metricsPort: 8080 },
      "metricsPort must be a port other than httpPort (8080); got 8080",
    ],
    [
      "a relative probe path",
      { readinessPath: "ready" },
      `readinessPath must be an absolute HTTP path without spaces; got "ready"`,
    ],
    [
      "env overriding an injected name",
      { env: { MODEL_DIR: "/elsewhere" } },
      `env must be free of the names the component injects (MODEL_NAME, MODEL_DIR, MODEL_URI, MODEL_READY_FILE, MODEL_LOCK_STALE_MINUTES, LOADER_STAY_RUNNING); got ["MODEL_DIR"]`,
    ],
    [
      "loader env overriding an injected name",
      { loaderEnv: { MODEL_URI: "s3://other" } },
      `loaderEnv must be free of the names the component injects (MODEL_NAME, MODEL_DIR, MODEL_URI, MODEL_READY_FILE, MODEL_LOCK_STALE_MINUTES, LOADER_STAY_RUNNING); got ["MODEL_URI"]`,
    ],
    [
      "an invalid env name",
      { env: { "1BAD": "x" } },
      `env must be a map whose keys are environment variable names (letters, digits, '_', '-' and '.', not starting with a digit); got ["1BAD"]`,
    ],
    [
      "a malformed memory",
      { memory: "64GB" },
      `memory must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "64GB"`,
    ],
    [
      "/dev/shm as large as memory",
      { memory: "16Gi", sharedMemorySize: "16Gi" },
      `sharedMemorySize must be less than memory (16Gi), because /dev/shm is charged against the memory limit; got "16Gi"`,
    ],
    [
      "a size limit on a claim",
      { modelCacheClaimName: "cache", modelCacheSizeLimit: "10Gi" },
      `modelCacheSizeLimit must be unset when modelCacheClaimName is set (the claim decides the size); got "10Gi"`,
    ],
    [
      "an invalid claim name",
      { modelCacheClaimName: "Cache" },
      `modelCacheClaimName must be a PersistentVolumeClaim name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Cache"`,
    ],
    [
      "a load budget below one probe period",
      { maxModelLoadSeconds: 5 },
      "maxModelLoadSeconds must be a whole number at least 10; got 5",
    ],
    [
      "a grace period shorter than the drain",
      { drainSeconds: 30, terminationGracePeriodSeconds: 30 },
      "terminationGracePeriodSeconds must be greater than drainSeconds (30), or the server is killed before it finishes draining; got 30",
    ],
    [
      "a PDB that blocks every drain",
      { replicas: 2, pdbMinAvailable: 2 },
      "pdbMinAvailable must be less than replicas (2), or no node running a replica could ever be drained; got 2",
    ],
    ["a root user", { runAsUser: 0 }, "runAsUser must be a whole number at least 1; got 0"],
    [
      "a zero CPU request",
      { cpu: "0" },
      `cpu must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "0"`,
    ],
    [
      "an invalid loader Secret name",
      { loaderSecretName: "S3_creds" },
      `loaderSecretName must be a Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "S3_creds"`,
    ],
    [
      "an invalid priority class",
      { priorityClassName: "Serving" },
      `priorityClassName must be a PriorityClass name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Serving"`,
    ],
    [
      "an invalid cluster domain",
      { clusterDomain: "cluster..local" },
      `clusterDomain must be a DNS domain such as cluster.local (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "cluster..local"`,
    ],
  ];
  for (const [what, overrides, message] of cases) {
    it(`rejects ${what}`, () => {
      invalid(overrides, message);
    });
  }

  it("rejects a component name that cannot name a Service", () => {
    assert.throws(
      () => {
        validateModelServingArgs("1llama", ARGS);
      },
      {
        name: "ValidationError",
        message: `ModelServing "1llama": invalid arguments: name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters), since it names the Service; got "1llama"`,
      },
    );
  });

  it("accepts any GPU product that is a label value, such as a newer GPU the stack declares", () => {
    validateModelServingArgs("llama", { ...ARGS, gpuProducts: ["NVIDIA-B200"] });
    const pod: any = buildPodSpec(settings({ gpuProducts: ["NVIDIA-B200"] }));
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].values,
      ["NVIDIA-B200"],
    );
  });

  it("allows minAvailable up to any value when an autoscaler decides the replicas", () => {
    validateModelServingArgs("llama", { ...ARGS, replicas: 1, autoscaled: true, pdbMinAvailable: 2 });
  });

  it("lists every problem in one error", () => {
    assert.throws(
      () => {
        validateModelServingArgs("llama", { ...ARGS, gpusPerPod: -2, image: "img", replicas: 0 });
      },
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.startsWith(`ModelServing "llama": invalid arguments:\n  - `) &&
        error.message.includes("gpusPerPod must be") &&
        error.message.includes("image must be") &&
        error.message.includes("replicas must be"),
    );
  });
});

describe("ModelServing component", () => {
  // A new mocked program run per test: each starts without registrations or claims.
  beforeEach(async () => {
    resetRegistrations();
    await useMocks();
  });

  it("creates the ServiceAccount, Deployment, Service and PodDisruptionBudget", async () => {
    const serving = new ModelServing("llama", ARGS);
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:ModelServing:llama",
      "kubernetes:apps/v1:Deployment:llama-deploy",
      "kubernetes:core/v1:Service:llama-svc",
      "kubernetes:core/v1:ServiceAccount:llama-sa",
      "kubernetes:policy/v1:PodDisruptionBudget:llama-pdb",
    ]);
    assert.equal(MODEL_SERVING_TYPE, "k8sml:index:ModelServing");

    const deployment: any = findResource(all, "kubernetes:apps/v1:Deployment", "llama-deploy").inputs;
    assert.equal(deployment.metadata.name, "llama");
    assert.equal(deployment.metadata.namespace, "ml-serving");
    const pod = deployment.spec.template.spec;
    assert.equal(pod.initContainers[0].restartPolicy, "Always");
    assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "2");
    assert.equal(deployment.spec.template.metadata.labels["app.kubernetes.io/component"], "model-server");

    const service: any = findResource(all, "kubernetes:core/v1:Service", "llama-svc").inputs;
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    const pdb: any = findResource(all, "kubernetes:policy/v1:PodDisruptionBudget", "llama-pdb").inputs;
    assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    const sa: any = findResource(all, "kubernetes:core/v1:ServiceAccount", "llama-sa").inputs;
    assert.equal(sa.automountServiceAccountToken, false);

    assert.equal(await valueOf(serving.deploymentName), "llama");
    assert.equal(await valueOf(serving.serviceName), "llama");
    assert.equal(await valueOf(serving.serviceDnsName), "llama.ml-serving.svc.cluster.local");
    assert.deepEqual(await valueOf(serving.selectorLabels), {
      "app.kubernetes.io/name": "llama-3-8b",
      "app.kubernetes.io/instance": "llama",
    });
    assert.equal(await valueOf(serving.httpPort), 8000);
    assert.equal(await valueOf(serving.metricsPort), 9090);
  });

  it("leaves spec.replicas to the autoscaler when autoscaled", async () => {
    const seen = new Map<string, pulumi.ResourceOptions>();
    const transformations: pulumi.ResourceTransformation[] = [
      (t) => {
        seen.set(t.type, t.opts);
        return undefined;
      },
    ];
    new ModelServing("auto", { ...ARGS, replicas: 2, autoscaled: true }, { transformations });
    const all = await registrations();
    const deployment: any = findResource(all, "kubernetes:apps/v1:Deployment", "auto-deploy").inputs;
    // The initial count is applied on creation.
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(seen.get("kubernetes:apps/v1:Deployment")?.ignoreChanges, ["spec.replicas"]);
    assert.equal(
      (seen.get("kubernetes:apps/v1:Deployment") as pulumi.CustomResourceOptions).deleteBeforeReplace,
      true,
    );
    assert.equal(seen.get("kubernetes:core/v1:Service")?.ignoreChanges, undefined);

    seen.clear();
    new ModelServing("fixed", ARGS, { transformations });
    await registrations();
    assert.equal(seen.get("kubernetes:apps/v1:Deployment")?.ignoreChanges, undefined);
  });

  it("accepts Outputs as arguments", async () => {
    const serving = new ModelServing("late", {
      ...ARGS,
      namespace: pulumi.output("ml-late"),
      gpusPerPod: pulumi.output(1),
    });
    const all = await registrations();
    const deployment: any = findResource(all, "kubernetes:apps/v1:Deployment", "late-deploy").inputs;
    assert.equal(deployment.metadata.namespace, "ml-late");
    assert.equal(deployment.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.equal(await valueOf(serving.serviceDnsName), "late.ml-late.svc.cluster.local");
  });

  describe("with its own autoscaler and ServiceMonitors", () => {
    const SCALING = {
      minReplicas: 2,
      maxReplicas: 6,
      targetRequestsPerSecond: 20,
      requestsPerSecondSource: "prometheus-adapter",
    } as const;

    it("creates the objects the Autoscaling and ModelMonitoring components would, without their components", async () => {
      new ModelServing("llm", { ...ARGS, autoscaling: SCALING, monitoring: { dcgmExporter: true } });
      const owned = await registrations();
      assert.deepEqual(owned.map((r) => `${r.type}:${r.name}`).sort(), [
        "k8sml:index:ModelServing:llm",
        "kubernetes:apps/v1:Deployment:llm-deploy",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler:llm-scaling-hpa",
        "kubernetes:core/v1:Service:llm-svc",
        "kubernetes:core/v1:ServiceAccount:llm-sa",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor:llm-monitoring-dcgm-servicemonitor",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor:llm-monitoring-servicemonitor",
        "kubernetes:policy/v1:PodDisruptionBudget:llm-pdb",
      ]);
      const deployment: any = findResource(owned, "kubernetes:apps/v1:Deployment", "llm-deploy").inputs;
      assert.equal(deployment.spec.replicas, 1, "the initial count; the autoscaler takes over from there");

      resetRegistrations();
      await useMocks(); // a new program run, without the claims of the first
      new Autoscaling("llm-scaling", { ...SCALING, namespace: ARGS.namespace, deploymentName: "llm" });
      new ModelMonitoring("llm-monitoring", {
        namespace: ARGS.namespace,
        serviceSelectorLabels: deployment.spec.selector.matchLabels,
        dcgmExporter: true,
      });
      const standalone = await registrations();
      for (const [type, name] of [
        ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "llm-scaling-hpa"],
        ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "llm-monitoring-servicemonitor"],
        ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "llm-monitoring-dcgm-servicemonitor"],
      ] as const) {
        assert.deepEqual(
          findResource(owned, type, name).inputs,
          findResource(standalone, type, name).inputs,
          name,
        );
      }
    });

    it("keeps the ScaledObject after its Deployment (KEDA reads its target)", async () => {
      const scaled = captureOptions("kubernetes:keda.sh/v1alpha1:ScaledObject");
      const serving = new ModelServing(
        "keda",
        {
          ...ARGS,
          autoscaling: {
            ...SCALING,
            requestsPerSecondSource: undefined,
            minReplicas: 0,
            keda: true,
            prometheusQuery: 'sum(rate(gateway_requests_total{route="keda"}[2m]))',
          },
        },
        { transformations: scaled.transformations },
      );
      await registrations();
      assert.deepEqual(scaled.options().dependsOn, [serving.deployment]);
    });

    it("scales with a KEDA ScaledObject instead when asked", async () => {
      new ModelServing("keda", {
        ...ARGS,
        autoscaling: {
          ...SCALING,
          requestsPerSecondSource: undefined,
          minReplicas: 0,
          keda: true,
          prometheusQuery: 'sum(rate(gateway_requests_total{route="keda"}[2m]))',
        },
      });
      const all = await registrations();
      const scaled: any = findResource(
        all,
        "kubernetes:keda.sh/v1alpha1:ScaledObject",
        "keda-scaling-scaledobject",
      ).inputs;
      assert.equal(scaled.spec.scaleTargetRef.name, "keda");
      assert.equal(scaled.spec.minReplicaCount, 0);
      assert.equal(
        all.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length,
        0,
      );
    });

    it("creates the HPA beside its Deployment (no dependsOn), leaves replicas to it, and keeps the objects of existing stacks", async () => {
      const hpa = captureOptions("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
      const deployment = captureOptions("kubernetes:apps/v1:Deployment");
      const monitor = captureOptions("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
      const serving = new ModelServing(
        "llm",
        { ...ARGS, autoscaling: SCALING, monitoring: {} },
        {
          transformations: [
            ...hpa.transformations,
            ...deployment.transformations,
            ...monitor.transformations,
          ],
        },
      );
      await registrations();
      // The HPA controller finds its target by name on every sync: no wait for the Deployment's await.
      assert.equal(hpa.options().dependsOn, undefined);
      assert.equal(hpa.options().deleteBeforeReplace, true);
      assert.deepEqual(deployment.options().ignoreChanges, ["spec.replicas"]);
      assert.equal(await valueOf(serving.autoscalerName ?? ""), "llm-scaling");

      // The aliases name the URNs these objects had under the former Autoscaling and
      // ModelMonitoring components, so an update moves them instead of replacing them.
      resetRegistrations();
      await useMocks(); // a new program run, without the claims of the first
      const former = new Autoscaling("llm-scaling", {
        ...SCALING,
        namespace: ARGS.namespace,
        deploymentName: "llm",
      });
      const formerMonitoring = new ModelMonitoring("llm-monitoring", {
        namespace: ARGS.namespace,
        serviceSelectorLabels: { "app.kubernetes.io/instance": "llm" },
      });
      const aliasUrn = async (options: pulumi.CustomResourceOptions, name: string, type: string) => {
        // Without a parent the alias is the former URN itself; under one, a spec naming the parent.
        const alias = (options.aliases ?? [])[0];
        return typeof alias === "string"
          ? alias
          : valueOf(pulumi.createUrn(name, type, (alias as pulumi.Alias).parent));
      };
      // Those components registered under their tokens of then (typeTokens.ts).
      const underFormerToken = async (urn: pulumi.Output<string>, type: string, formerType: string) =>
        (await valueOf(urn)).replace(`::${type}$`, `::${formerType}$`);
      assert.equal(
        await aliasUrn(hpa.options(), "llm-scaling-hpa", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"),
        await underFormerToken(
          former.horizontalPodAutoscaler?.urn ?? pulumi.output(""),
          AUTOSCALING_TYPE,
          FORMER_COMPONENT_TYPES.Autoscaling,
        ),
      );
      assert.equal(
        await aliasUrn(
          monitor.options(),
          "llm-monitoring-servicemonitor",
          "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
        ),
        await underFormerToken(
          formerMonitoring.serviceMonitor.urn,
          MODEL_MONITORING_TYPE,
          FORMER_COMPONENT_TYPES.ModelMonitoring,
        ),
      );
    });

    it("aliases its children to the former components under the same parent", async () => {
      class Team extends pulumi.ComponentResource {
        constructor(name: string) {
          super("test:index:Team", name, {});
        }
      }
      const team = new Team("team");
      const hpa = captureOptions("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
      new ModelServing(
        "llm",
        { ...ARGS, autoscaling: SCALING },
        { parent: team, transformations: hpa.transformations },
      );
      await registrations();
      await useMocks(); // a new program run, without the claims of the first
      // The separate Autoscaling component of releases before 0.2, under its token of then.
      const former = new pulumi.ComponentResource(
        FORMER_COMPONENT_TYPES.Autoscaling,
        "llm-scaling",
        {},
        { parent: team },
      );
      const alias = (hpa.options().aliases ?? [])[0] as pulumi.Alias;
      assert.equal(
        await valueOf(
          pulumi.createUrn(
            "llm-scaling-hpa",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            alias.parent,
          ),
        ),
        // The engine's URN of the former HPA: its type chain runs through every ancestor (the
        // mocks' own URNs keep only the nearest parent's type).
        await valueOf(
          pulumi.createUrn("llm-scaling-hpa", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", former),
        ),
      );
    });

    it("reports problems of the nested arguments with the others, in one error", () => {
      const args = {
        ...ARGS,
        gpusPerPod: -1,
        autoscaling: { ...SCALING, maxReplicas: 1 },
        monitoring: { scrapeInterval: "soon" },
      };
      assert.throws(
        () => {
          validateModelServingArgs("llama", args);
        },
        {
          name: "ValidationError",
          message: [
            'ModelServing "llama": invalid arguments:',
            "  - gpusPerPod must be a whole number at least 0; got -1",
            "  - autoscaling.maxReplicas must be at least minReplicas (2); got 1",
            '  - monitoring.scrapeInterval must be a Prometheus duration such as "30s" or "1m"; got "soon"',
          ].join("\n"),
        },
      );
    });

    it("rejects a second autoscaler on its Deployment", async () => {
      new ModelServing("llm", { ...ARGS, autoscaling: SCALING });
      await registrations();
      assert.throws(
        () => new Autoscaling("extra", { ...SCALING, namespace: ARGS.namespace, deploymentName: "llm" }),
        /already scales it/,
      );
    });
  });

  it("throws before registering anything, not even itself, when the arguments are invalid", async () => {
    assert.throws(
      () => new ModelServing("bad", { ...ARGS, gpusPerPod: 0.5 }),
      /gpusPerPod must be a whole number at least 0; got 0.5/,
    );
    assert.deepEqual(await registrations(), []);
  });
});
