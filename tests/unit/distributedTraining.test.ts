import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  DISTRIBUTED_TRAINING_RESERVED_ENV,
  DISTRIBUTED_TRAINING_TYPE,
  DistributedTraining,
  type DistributedTrainingArgs,
  masterAddress,
  trainingEnv,
  trainingNetworkPolicy,
  trainingService,
  trainingStatefulSet,
  validateDistributedTrainingArgs,
  withDistributedTrainingDefaults,
} from "../../components/distributedTraining";
import { ValidationError } from "../../components/lib/validation";
import { captureOptions } from "./captureOptions";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const ARGS = {
  namespace: "ml-prod",
  image: "ghcr.io/k8s-ml-patterns/trainer:1.4.0",
  command: ["torchrun", "train.py"],
  workers: 4,
  gpusPerPod: 2,
  gpuProducts: ["NVIDIA-H100-80GB-HBM3"],
  cpu: "16",
  memory: "64Gi",
  checkpointStorage: "100Gi",
  checkpointStorageClassName: "fast-ssd",
  env: { DATA_DIR: "/tmp/data" },
} satisfies DistributedTrainingArgs;

const settings = (overrides: Partial<DistributedTrainingArgs> = {}) =>
  withDistributedTrainingDefaults("pretrain", {
    ...ARGS,
    ...overrides,
  } as pulumi.Unwrap<DistributedTrainingArgs>);

type Env = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };

function envOf(list: readonly unknown[]): Map<string, Env> {
  return new Map((list as Env[]).map((e) => [e.name, e]));
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */

describe("DistributedTraining spec builders", () => {
  it("applies the documented defaults", () => {
    const s = withDistributedTrainingDefaults("t", { namespace: "ns", image: "img:1", workers: 2 });
    assert.deepEqual(s, {
      name: "t",
      namespace: "ns",
      appName: "t",
      image: "img:1",
      workers: 2,
      gpusPerPod: 1,
      gpuResourceName: "nvidia.com/gpu",
      gpuProducts: [],
      cpu: "8",
      memory: "32Gi",
      sharedMemorySize: "8Gi",
      masterPort: 29500,
      env: {},
      terminationGracePeriodSeconds: 120,
      readyTimeoutSeconds: 1800,
      clusterDomain: "cluster.local",
    });
  });

  it("wires rank, world size, worker 0's address and the torchrun PET_* variables", () => {
    const env = envOf(trainingEnv(settings()));
    const podIndex = "metadata.labels['apps.kubernetes.io/pod-index']";
    const master = "pretrain-0.pretrain.ml-prod.svc.cluster.local";
    assert.equal(env.get("POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
    assert.equal(env.get("RANK")?.valueFrom?.fieldRef?.fieldPath, podIndex);
    assert.equal(env.get("PET_NODE_RANK")?.valueFrom?.fieldRef?.fieldPath, podIndex);
    assert.equal(env.get("WORLD_SIZE")?.value, "4");
    assert.equal(env.get("PET_NNODES")?.value, "4");
    assert.equal(env.get("PET_NPROC_PER_NODE")?.value, "2");
    assert.equal(env.get("MASTER_ADDR")?.value, master);
    assert.equal(env.get("PET_MASTER_ADDR")?.value, master);
    assert.equal(env.get("MASTER_PORT")?.value, "29500");
    assert.equal(env.get("PET_MASTER_PORT")?.value, "29500");
    assert.equal(env.get("DATA_DIR")?.value, "/tmp/data");
    // Every reserved name is injected, and the user's variables come after them.
    assert.deepEqual(
      [...env.keys()].slice(0, DISTRIBUTED_TRAINING_RESERVED_ENV.length).sort(),
      [...DISTRIBUTED_TRAINING_RESERVED_ENV].sort(),
    );
  });

  it("starts one process on a CPU-only worker and follows a custom port and cluster domain", () => {
    const s = settings({ gpusPerPod: 0, masterPort: 23456, clusterDomain: "corp.internal" });
    const env = envOf(trainingEnv(s));
    assert.equal(env.get("PET_NPROC_PER_NODE")?.value, "1");
    assert.equal(env.get("MASTER_PORT")?.value, "23456");
    assert.equal(masterAddress(s), "pretrain-0.pretrain.ml-prod.svc.corp.internal");
    assert.deepEqual(trainingService(s).spec.ports, [
      { name: "rendezvous", port: 23456, targetPort: 23456, protocol: "TCP" },
    ]);
    const pod = (trainingStatefulSet(s).spec as any).template.spec;
    assert.deepEqual(pod.containers[0].ports, [
      { name: "rendezvous", containerPort: 23456, protocol: "TCP" },
    ]);
    assert.equal(pod.tolerations, undefined);
    assert.deepEqual(pod.containers[0].resources.limits, { cpu: "16", memory: "64Gi" });
  });

  it("builds a headless Service that publishes not-ready workers", () => {
    const svc = trainingService(settings());
    assert.equal(svc.metadata.name, "pretrain");
    assert.equal(svc.metadata.namespace, "ml-prod");
    assert.equal(svc.spec.clusterIP, "None");
    assert.equal(svc.spec.publishNotReadyAddresses, true);
    assert.deepEqual(svc.spec.selector, {
      "app.kubernetes.io/name": "pretrain",
      "app.kubernetes.io/instance": "pretrain",
    });
    assert.deepEqual(svc.spec.ports, [
      { name: "rendezvous", port: 29500, targetPort: 29500, protocol: "TCP" },
    ]);
  });

  it("builds a parallel StatefulSet of GPU workers governed by the Service", () => {
    const sts = trainingStatefulSet(settings());
    const spec = sts.spec as any;
    assert.equal(sts.metadata.name, "pretrain");
    assert.deepEqual(sts.metadata.annotations, { "pulumi.com/timeoutSeconds": "1800" });
    assert.equal(spec.serviceName, "pretrain");
    assert.equal(spec.replicas, 4);
    assert.equal(spec.podManagementPolicy, "Parallel");
    // The controller never updates a worker by itself; the component replaces the StatefulSet.
    assert.deepEqual(spec.updateStrategy, { type: "OnDelete" });
    const templateLabels = spec.template.metadata.labels;
    for (const [key, value] of Object.entries(spec.selector.matchLabels as Record<string, string>))
      assert.equal(templateLabels[key], value);
    assert.equal(templateLabels["app.kubernetes.io/component"], "trainer");

    const pod = spec.template.spec;
    assert.equal(pod.serviceAccountName, "pretrain");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions,
      [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3"] }],
    );
    assert.deepEqual(pod.volumes, [
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "8Gi" } },
      { name: "tmp", emptyDir: {} },
    ]);

    const [container] = pod.containers;
    assert.equal(pod.containers.length, 1);
    assert.equal(container.image, "ghcr.io/k8s-ml-patterns/trainer:1.4.0");
    assert.deepEqual(container.command, ["torchrun", "train.py"]);
    assert.deepEqual(container.resources, {
      requests: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "2" },
    });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(container.readinessProbe, undefined);
    assert.deepEqual(container.volumeMounts, [
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "tmp", mountPath: "/tmp" },
      { name: "checkpoints", mountPath: "/checkpoints" },
    ]);

    assert.equal(spec.volumeClaimTemplates.length, 1);
    const [claim] = spec.volumeClaimTemplates;
    assert.equal(claim.metadata.name, "checkpoints");
    assert.deepEqual(claim.spec, {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "100Gi" } },
      storageClassName: "fast-ssd",
    });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });

  it("adds no claim templates without checkpoint storage, and mounts checkpoints where asked", () => {
    const plain = settings({ checkpointStorage: undefined, checkpointStorageClassName: undefined });
    const spec = trainingStatefulSet(plain).spec as any;
    assert.equal("volumeClaimTemplates" in spec, false);
    assert.deepEqual(
      spec.template.spec.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath),
      ["/dev/shm", "/tmp"],
    );
    const custom = trainingStatefulSet(settings({ checkpointMountPath: "/data/ckpt" })).spec as any;
    assert.equal(custom.template.spec.containers[0].volumeMounts[2].mountPath, "/data/ckpt");
    const defaultClass = trainingStatefulSet(settings({ checkpointStorageClassName: undefined })).spec as any;
    assert.equal("storageClassName" in defaultClass.volumeClaimTemplates[0].spec, false);
  });

  it("lets the workers talk to each other on every port, both ways", () => {
    const policy = trainingNetworkPolicy(settings());
    const workers = {
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "pretrain", "app.kubernetes.io/instance": "pretrain" },
      },
    };
    assert.equal(policy.metadata.name, "pretrain-workers");
    assert.deepEqual(policy.spec, {
      podSelector: workers.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [workers] }],
      egress: [{ to: [workers] }],
    });
  });
});

describe("DistributedTraining component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates a ServiceAccount, headless Service, NetworkPolicy and StatefulSet with outputs", async () => {
    const training = new DistributedTraining("pretrain", ARGS);
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      `${DISTRIBUTED_TRAINING_TYPE}:pretrain`,
      "kubernetes:apps/v1:StatefulSet:pretrain-sts",
      "kubernetes:core/v1:Service:pretrain-svc",
      "kubernetes:core/v1:ServiceAccount:pretrain-sa",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy:pretrain-netpol",
    ]);
    const sts = findResource(all, "kubernetes:apps/v1:StatefulSet", "pretrain-sts").inputs as any;
    assert.equal(sts.spec.replicas, 4);
    assert.equal(sts.spec.serviceName, "pretrain");
    assert.equal(sts.spec.podManagementPolicy, "Parallel");
    const env = envOf(sts.spec.template.spec.containers[0].env as unknown[]);
    assert.equal(env.get("MASTER_ADDR")?.value, "pretrain-0.pretrain.ml-prod.svc.cluster.local");
    assert.equal(env.get("WORLD_SIZE")?.value, "4");
    assert.equal(sts.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], "2");
    const svc = findResource(all, "kubernetes:core/v1:Service", "pretrain-svc").inputs as any;
    assert.equal(svc.spec.clusterIP, "None");
    const sa = findResource(all, "kubernetes:core/v1:ServiceAccount", "pretrain-sa").inputs as any;
    assert.equal(sa.automountServiceAccountToken, false);

    assert.equal(await valueOf(training.statefulSetName), "pretrain");
    assert.equal(await valueOf(training.serviceName), "pretrain");
    assert.equal(await valueOf(training.masterAddress), "pretrain-0.pretrain.ml-prod.svc.cluster.local");
    assert.equal(await valueOf(training.worldSize), 4);
  });

  it("orders the StatefulSet after the Service, NetworkPolicy and ServiceAccount", async () => {
    const capture = captureOptions("kubernetes:apps/v1:StatefulSet");
    const training = new DistributedTraining("ordered", ARGS, { transformations: capture.transformations });
    await registrations();
    const stsOpts = capture.options();
    const dependsOn = stsOpts.dependsOn as pulumi.Resource[];
    assert.ok(dependsOn.includes(training.service));
    assert.ok(dependsOn.includes(training.networkPolicy));
    assert.ok(dependsOn.includes(training.serviceAccount));
    assert.equal(stsOpts.deleteBeforeReplace, true);
    // Any spec change replaces the StatefulSet, so no update leaves workers on mixed versions.
    assert.deepEqual(stsOpts.replaceOnChanges, ["spec"]);
  });

  it("accepts arguments given as Outputs", async () => {
    new DistributedTraining("late", { ...ARGS, workers: pulumi.output(3) });
    const all = await registrations();
    const sts = findResource(all, "kubernetes:apps/v1:StatefulSet", "late-sts").inputs as any;
    assert.equal(sts.spec.replicas, 3);
  });
});

describe("DistributedTraining validation", () => {
  const prefix = 'DistributedTraining "pretrain": invalid arguments: ';
  const cases: [string, Partial<DistributedTrainingArgs>, string][] = [
    ["workers of 0", { workers: 0 }, "workers must be a whole number at least 1; got 0"],
    ["fractional workers", { workers: 1.5 }, "workers must be a whole number at least 1; got 1.5"],
    ["negative GPUs", { gpusPerPod: -1 }, "gpusPerPod must be a whole number at least 0; got -1"],
    ["fractional GPUs", { gpusPerPod: 0.5 }, "gpusPerPod must be a whole number at least 0; got 0.5"],
    ["port 0", { masterPort: 0 }, "masterPort must be a whole number between 1 and 65535; got 0"],
    ["port 70000", { masterPort: 70000 }, "masterPort must be a whole number between 1 and 65535; got 70000"],
    [
      "negative grace period",
      { terminationGracePeriodSeconds: -1 },
      "terminationGracePeriodSeconds must be a whole number at least 0; got -1",
    ],
    [
      "short await timeout",
      { readyTimeoutSeconds: 10 },
      "readyTimeoutSeconds must be a whole number at least 60; got 10",
    ],
    [
      "untagged image",
      { image: "ghcr.io/k8s-ml-patterns/trainer" },
      "image must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got \"ghcr.io/k8s-ml-patterns/trainer\"",
    ],
    [
      "latest image",
      { image: "trainer:latest" },
      "image must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got \"trainer:latest\"",
    ],
    [
      "invalid namespace",
      { namespace: "ML_Prod" },
      "namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got \"ML_Prod\"",
    ],
    [
      "invalid appName",
      { appName: "Pre.Train" },
      "appName must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got \"Pre.Train\"",
    ],
    [
      "bad cpu",
      { cpu: "lots" },
      'cpu must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "lots"',
    ],
    [
      "bad memory",
      { memory: "64GB" },
      'memory must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "64GB"',
    ],
    [
      "bad shared memory",
      { sharedMemorySize: "big" },
      'sharedMemorySize must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "big"',
    ],
    [
      "shared memory as large as memory",
      { sharedMemorySize: "64Gi" },
      'sharedMemorySize must be less than memory (64Gi), because /dev/shm is charged against the memory limit; got "64Gi"',
    ],
    [
      "bad checkpoint size",
      { checkpointStorage: "100 GB" },
      'checkpointStorage must be a Kubernetes quantity such as "500m", "4" or "16Gi"; got "100 GB"',
    ],
    [
      "GPU product that is no label value",
      { gpuProducts: ["NVIDIA H100", "x".repeat(64)] },
      `gpuProducts must be a list of nvidia.com/gpu.product label values (each at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit); got ["NVIDIA H100","${"x".repeat(64)}"]`,
    ],
    [
      "storage class without storage",
      { checkpointStorage: undefined },
      'checkpointStorageClassName must be unset unless checkpointStorage is set; got "fast-ssd"',
    ],
    [
      "mount path without storage",
      { checkpointStorage: undefined, checkpointStorageClassName: undefined, checkpointMountPath: "/ckpt" },
      'checkpointMountPath must be unset unless checkpointStorage is set; got "/ckpt"',
    ],
    [
      "invalid storage class",
      { checkpointStorageClassName: "Fast_SSD" },
      `checkpointStorageClassName must be a StorageClass name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Fast_SSD"`,
    ],
    [
      "relative mount path",
      { checkpointMountPath: "ckpt" },
      'checkpointMountPath must be an absolute path other than /, and outside /dev and /tmp; got "ckpt"',
    ],
    [
      "mount path under /tmp",
      { checkpointMountPath: "/tmp/ckpt" },
      'checkpointMountPath must be an absolute path other than /, and outside /dev and /tmp; got "/tmp/ckpt"',
    ],
    [
      "invalid priority class",
      { priorityClassName: "Batch!" },
      `priorityClassName must be a PriorityClass name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Batch!"`,
    ],
    [
      "invalid cluster domain",
      { clusterDomain: "-bad" },
      `clusterDomain must be a DNS domain such as cluster.local (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "-bad"`,
    ],
    [
      "env overriding RANK and MASTER_ADDR",
      { env: { RANK: "0", MASTER_ADDR: "localhost", OK: "1" } },
      `env must be free of the names the component injects (${DISTRIBUTED_TRAINING_RESERVED_ENV.join(", ")}); got ["RANK","MASTER_ADDR"]`,
    ],
    [
      "env with an invalid name",
      { env: { "1ST": "x" } },
      "env must be a map whose keys are environment variable names (letters, digits, '_', '-' and '.', not starting with a digit); got [\"1ST\"]",
    ],
  ];

  for (const [title, overrides, message] of cases) {
    it(`rejects ${title}`, () => {
      assert.throws(
        () => new DistributedTraining("pretrain", { ...ARGS, ...overrides }),
        (error: unknown) => error instanceof ValidationError && error.message === prefix + message,
      );
    });
  }

  it("rejects names that cannot name the StatefulSet and its Service", () => {
    const allowed =
      "name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit) of at most 52 characters";
    for (const name of ["1st-run", "Pretrain", "a".repeat(53)]) {
      assert.throws(
        () => new DistributedTraining(name, ARGS),
        (error: unknown) =>
          error instanceof ValidationError &&
          error.message ===
            `DistributedTraining "${name}": invalid arguments: ${allowed}; got ${JSON.stringify(name)}`,
      );
    }
    assert.doesNotThrow(() => {
      validateDistributedTrainingArgs("a".repeat(52), ARGS);
    });
  });

  it("accepts any GPU product that is a label value, such as a newer GPU the stack declares", () => {
    assert.doesNotThrow(() => {
      validateDistributedTrainingArgs("pretrain", { ...ARGS, gpuProducts: ["NVIDIA-B200"] });
    });
    const pod = (trainingStatefulSet(settings({ gpuProducts: ["NVIDIA-B200"] })).spec as any).template.spec;
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].values,
      ["NVIDIA-B200"],
    );
  });

  it("reports every problem at once", () => {
    assert.throws(
      () =>
        new DistributedTraining("pretrain", {
          ...ARGS,
          workers: 0,
          gpusPerPod: -1,
          env: { WORLD_SIZE: "8" },
        }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.startsWith('DistributedTraining "pretrain": invalid arguments:\n  - ') &&
        error.message.includes("workers must be a whole number at least 1; got 0") &&
        error.message.includes("gpusPerPod must be a whole number at least 0; got -1") &&
        error.message.includes('got ["WORLD_SIZE"]'),
    );
  });
});
