import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  BATCH_INFERENCE_RESERVED_ENV,
  BATCH_INFERENCE_TYPE,
  BatchInference,
  type BatchInferenceArgs,
  batchEnv,
  batchJob,
  jobAwaitAnnotations,
  podFailurePolicy,
  withBatchInferenceDefaults,
} from "../../components/batchInference";
import { ValidationError } from "../../components/lib/validation";
import { captureOptions } from "./captureOptions";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const ARGS = {
  namespace: "ml-prod",
  image: "ghcr.io/k8s-ml-patterns/batch-embedder:1.4.0",
  command: ["python", "-m", "embed"],
  parallelism: 3,
  completions: 10,
  inputUri: "s3://datasets/daily",
  outputUri: "s3://scores/daily",
  gpuProducts: ["NVIDIA-L40S"],
  activeDeadlineSeconds: 14400,
  env: { BATCH_SIZE: "64" },
} satisfies BatchInferenceArgs;

const settings = (overrides: Partial<BatchInferenceArgs> = {}) =>
  withBatchInferenceDefaults("nightly", { ...ARGS, ...overrides } as pulumi.Unwrap<BatchInferenceArgs>);

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */

describe("BatchInference spec builders", () => {
  it("applies the documented defaults", () => {
    const s = withBatchInferenceDefaults("b", {
      namespace: "ns",
      image: "img:1",
      completions: 4,
      parallelism: 2,
      inputUri: "gs://in",
      outputUri: "gs://out",
    });
    assert.deepEqual(s, {
      name: "b",
      namespace: "ns",
      appName: "b",
      image: "img:1",
      completions: 4,
      parallelism: 2,
      inputUri: "gs://in",
      outputUri: "gs://out",
      gpusPerPod: 1,
      gpuResourceName: "nvidia.com/gpu",
      gpuProducts: [],
      cpu: "4",
      memory: "16Gi",
      sharedMemorySize: "4Gi",
      backoffLimitPerIndex: 2,
      failJobExitCodes: [42],
      failIndexExitCodes: [],
      activeDeadlineSeconds: 86400,
      ttlSecondsAfterFinished: undefined,
      awaitCompletion: false,
      env: {},
    });
  });

  it("builds an Indexed Job with per-index retries, deadline and TTL from the arguments", () => {
    const job = batchJob(
      settings({ maxFailedIndexes: 3, backoffLimitPerIndex: 4, ttlSecondsAfterFinished: 600 }),
    );
    const spec = job.spec as any;
    assert.equal(job.metadata.name, "nightly");
    assert.equal(job.metadata.namespace, "ml-prod");
    assert.equal(spec.completionMode, "Indexed");
    assert.equal(spec.completions, 10);
    assert.equal(spec.parallelism, 3);
    assert.equal(spec.backoffLimitPerIndex, 4);
    assert.equal(spec.maxFailedIndexes, 3);
    assert.equal(spec.backoffLimit, undefined);
    assert.equal(spec.podReplacementPolicy, "Failed");
    assert.equal(spec.activeDeadlineSeconds, 14400);
    assert.equal(spec.ttlSecondsAfterFinished, 600);
    assert.equal(spec.template.metadata.labels["app.kubernetes.io/component"], "batch-inference");
    assert.equal("maxFailedIndexes" in (batchJob(settings()).spec as object), false);
    // No TTL by default: a finished Job stays, so refresh + up do not start the run again.
    assert.equal("ttlSecondsAfterFinished" in (batchJob(settings()).spec as object), false);
  });

  it("runs one restricted GPU container per pod that never restarts in place", () => {
    const pod = (batchJob(settings()).spec as any).template.spec;
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(pod.serviceAccountName, "nightly");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions,
      [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-L40S"] }],
    );
    assert.equal(pod.containers.length, 1);
    const [container] = pod.containers;
    assert.equal(container.name, "inference");
    assert.equal(container.image, "ghcr.io/k8s-ml-patterns/batch-embedder:1.4.0");
    assert.deepEqual(container.command, ["python", "-m", "embed"]);
    assert.deepEqual(container.resources, {
      requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      limits: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
    });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
    assert.deepEqual(pod.volumes, [
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "4Gi" } },
      { name: "tmp", emptyDir: {} },
    ]);
    const cpuOnly = (batchJob(settings({ gpusPerPod: 0 })).spec as any).template.spec;
    assert.equal(cpuOnly.tolerations, undefined);
    assert.deepEqual(cpuOnly.containers[0].resources.limits, { cpu: "4", memory: "16Gi" });
  });

  it("passes the shard count and the input and output URIs, then the user's variables", () => {
    assert.deepEqual(batchEnv(settings()), [
      { name: "SHARD_COUNT", value: "10" },
      { name: "INPUT_URI", value: "s3://datasets/daily" },
      { name: "OUTPUT_URI", value: "s3://scores/daily" },
      { name: "BATCH_SIZE", value: "64" },
    ]);
  });

  it("ignores disruptions, fails the Job or the index on the configured exit codes", () => {
    assert.deepEqual(podFailurePolicy(settings({ failIndexExitCodes: [3, 2] })), {
      rules: [
        { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        { action: "FailJob", onExitCodes: { containerName: "inference", operator: "In", values: [42] } },
        { action: "FailIndex", onExitCodes: { containerName: "inference", operator: "In", values: [2, 3] } },
      ],
    });
    assert.deepEqual(podFailurePolicy(settings({ failJobExitCodes: [] })).rules, [
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
    ]);
  });

  it("waits only for the start by default, and for completion past the deadline when asked", () => {
    assert.deepEqual(jobAwaitAnnotations(settings()), {
      "pulumi.com/waitFor": "jsonpath={.status.startTime}",
    });
    assert.deepEqual(jobAwaitAnnotations(settings({ awaitCompletion: true })), {
      "pulumi.com/timeoutSeconds": String(14400 + 300),
    });
    assert.equal(
      jobAwaitAnnotations(settings({ awaitCompletion: true }))["pulumi.com/skipAwait"],
      undefined,
      "skipAwait would also skip the deletion await",
    );
  });
});

describe("BatchInference component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates a ServiceAccount and an Indexed Job, and outputs the Job name", async () => {
    const batch = new BatchInference("nightly", ARGS);
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      `${BATCH_INFERENCE_TYPE}:nightly`,
      "kubernetes:batch/v1:Job:nightly-job",
      "kubernetes:core/v1:ServiceAccount:nightly-sa",
    ]);
    const job = findResource(all, "kubernetes:batch/v1:Job", "nightly-job").inputs as any;
    assert.equal(job.metadata.name, "nightly");
    assert.equal(job.spec.completionMode, "Indexed");
    assert.equal(job.spec.completions, 10);
    assert.equal(job.spec.parallelism, 3);
    assert.equal(job.spec.template.spec.restartPolicy, "Never");
    assert.equal(job.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.equal(job.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.startTime}");
    const sa = findResource(all, "kubernetes:core/v1:ServiceAccount", "nightly-sa").inputs as any;
    assert.equal(sa.automountServiceAccountToken, false);
    assert.equal(await valueOf(batch.jobName), "nightly");
  });

  it("replaces the Job on any spec change, deleting the old one first", async () => {
    const capture = captureOptions("kubernetes:batch/v1:Job");
    const batch = new BatchInference("rerun", ARGS, { transformations: capture.transformations });
    await registrations();
    const jobOpts = capture.options();
    assert.deepEqual(jobOpts.replaceOnChanges, ["spec"]);
    assert.equal(jobOpts.deleteBeforeReplace, true);
    assert.ok((jobOpts.dependsOn as pulumi.Resource[]).includes(batch.serviceAccount));
  });

  it("accepts arguments given as Outputs", async () => {
    new BatchInference("late", {
      ...ARGS,
      completions: pulumi.output(12),
      awaitCompletion: pulumi.output(true),
    });
    const all = await registrations();
    const job = findResource(all, "kubernetes:batch/v1:Job", "late-job").inputs as any;
    assert.equal(job.spec.completions, 12);
    assert.equal(job.metadata.annotations["pulumi.com/timeoutSeconds"], "14700");
  });
});

describe("BatchInference validation", () => {
  const prefix = 'BatchInference "nightly": invalid arguments: ';
  const cases: [string, Partial<BatchInferenceArgs>, string][] = [
    [
      "parallelism above completions",
      { parallelism: 11 },
      "parallelism must be at most completions (10); got 11",
    ],
    [
      "fractional completions",
      { completions: 2.5 },
      "completions must be a whole number between 1 and 100000; got 2.5",
    ],
    [
      "too many completions",
      { completions: 100_001 },
      "completions must be a whole number between 1 and 100000; got 100001",
    ],
    [
      "zero parallelism",
      { parallelism: 0 },
      "parallelism must be a whole number between 1 and 100000; got 0",
    ],
    ["negative GPUs", { gpusPerPod: -1 }, "gpusPerPod must be a whole number at least 0; got -1"],
    ["fractional GPUs", { gpusPerPod: 1.5 }, "gpusPerPod must be a whole number at least 0; got 1.5"],
    [
      "negative backoffLimitPerIndex",
      { backoffLimitPerIndex: -1 },
      "backoffLimitPerIndex must be a whole number at least 0; got -1",
    ],
    [
      "maxFailedIndexes above completions",
      { maxFailedIndexes: 11 },
      "maxFailedIndexes must be at most completions (10); got 11",
    ],
    [
      "zero deadline",
      { activeDeadlineSeconds: 0 },
      "activeDeadlineSeconds must be a whole number at least 1; got 0",
    ],
    [
      "negative TTL",
      { ttlSecondsAfterFinished: -5 },
      "ttlSecondsAfterFinished must be a whole number at least 0; got -5",
    ],
    [
      "an input without a scheme",
      { inputUri: "datasets/daily" },
      'inputUri must be a URI with a scheme, such as s3://bucket/prefix; got "datasets/daily"',
    ],
    [
      "an empty output",
      { outputUri: "" },
      'outputUri must be a URI with a scheme, such as s3://bucket/prefix; got ""',
    ],
    [
      "an untagged image",
      { image: "batch-embedder" },
      "image must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got \"batch-embedder\"",
    ],
    [
      "an invalid namespace",
      { namespace: "-ml" },
      "namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got \"-ml\"",
    ],
    [
      "bad memory",
      { memory: "16 Gi" },
      'memory must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "16 Gi"',
    ],
    [
      "bad cpu",
      { cpu: "four" },
      'cpu must be a positive Kubernetes quantity such as "500m", "4" or "16Gi"; got "four"',
    ],
    [
      "shared memory above memory",
      { sharedMemorySize: "32Gi" },
      'sharedMemorySize must be less than memory (16Gi), because /dev/shm is charged against the memory limit; got "32Gi"',
    ],
    [
      "a GPU product that is no label value",
      { gpuProducts: ["NVIDIA-L40S", "NVIDIA H100", "-A100"] },
      `gpuProducts must be a list of nvidia.com/gpu.product label values (each at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit); got ["NVIDIA H100","-A100"]`,
    ],
    [
      "exit code 0 or above 255",
      { failJobExitCodes: [0, 256, 1] },
      "failJobExitCodes must be a list of whole numbers between 1 and 255; got [0,256]",
    ],
    [
      "repeated exit codes",
      { failIndexExitCodes: [3, 3] },
      "failIndexExitCodes must be a list without repeats; got [3]",
    ],
    [
      "an exit code both failing the Job and the index",
      { failIndexExitCodes: [42] },
      "failIndexExitCodes must be disjoint from failJobExitCodes; got [42]",
    ],
    [
      "an invalid priority class",
      { priorityClassName: "Low" },
      `priorityClassName must be a PriorityClass name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters); got "Low"`,
    ],
    [
      "env overriding the injected names",
      { env: { SHARD_COUNT: "1", JOB_COMPLETION_INDEX: "0" } },
      `env must be free of the names the component injects (${BATCH_INFERENCE_RESERVED_ENV.join(", ")}); got ["SHARD_COUNT","JOB_COMPLETION_INDEX"]`,
    ],
  ];

  for (const [title, overrides, message] of cases) {
    it(`rejects ${title}`, () => {
      assert.throws(
        () => new BatchInference("nightly", { ...ARGS, ...overrides }),
        (error: unknown) => error instanceof ValidationError && error.message === prefix + message,
      );
    });
  }

  it("rejects zero completions and parallelism together, in one error", () => {
    assert.throws(
      () => new BatchInference("nightly", { ...ARGS, completions: 0, parallelism: 0 }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          'BatchInference "nightly": invalid arguments:\n' +
            "  - completions must be a whole number between 1 and 100000; got 0\n" +
            "  - parallelism must be a whole number between 1 and 100000; got 0",
    );
  });

  it("rejects a non-boolean awaitCompletion from untyped config", () => {
    const awaitCompletion = "yes" as unknown as boolean;
    assert.throws(
      () => new BatchInference("nightly", { ...ARGS, awaitCompletion }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message === `${prefix}awaitCompletion must be true or false; got "yes"`,
    );
  });

  it("accepts any GPU product that is a label value, such as a newer GPU the stack declares", () => {
    const gpuProducts = ["NVIDIA-B200", "Tesla-T4", "x".repeat(63)];
    assert.doesNotThrow(() => new BatchInference("nightly", { ...ARGS, gpuProducts }));
    const pod = (batchJob(settings({ gpuProducts })).spec as any).template.spec;
    assert.deepEqual(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].values,
      gpuProducts,
    );
  });

  it("rejects names too long for pod hostnames <name>-<index>", () => {
    const allowed =
      "name must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most 57 characters, so that pod hostnames <name>-<index> fit in 63";
    for (const name of ["a".repeat(58), "Nightly", "nightly-"]) {
      assert.throws(
        () => new BatchInference(name, ARGS),
        (error: unknown) =>
          error instanceof ValidationError &&
          error.message ===
            `BatchInference "${name}": invalid arguments: ${allowed}; got ${JSON.stringify(name)}`,
      );
    }
  });
});
