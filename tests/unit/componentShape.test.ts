/**
 * The shape every component shares: it validates before anything is registered (not even
 * itself), reports a bad name once, and registers every child under itself through one helper
 * (parented, and replaced delete-first because the child's Kubernetes name is fixed).
 */
import { strict as assert } from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { AdmissionPolicies } from "../../components/admissionPolicies";
import { Autoscaling } from "../../components/autoscaling";
import { BatchInference } from "../../components/batchInference";
import { DistributedTraining } from "../../components/distributedTraining";
import { GpuSharing } from "../../components/gpuSharing";
import { GpuTenancy } from "../../components/gpuTenancy";
import { ValidationError } from "../../components/lib/validation";
import { MLWorkflow, MLWorkflowDefinition } from "../../components/mlWorkflow";
import { ModelServing } from "../../components/modelServing";
import { ModelMonitoring } from "../../components/monitoring";
import { WorkloadPriorities } from "../../components/workloadPriorities";
import { WorkloadQueue } from "../../components/workloadQueue";
import { registrations, resetRegistrations, useMocks } from "./harness";

type Create = (name: string, opts?: pulumi.ComponentResourceOptions) => pulumi.Resource;

/** Each component with arguments that create every kind of child it has. */
const COMPONENTS: Record<string, Create> = {
  AdmissionPolicies: (name, opts) =>
    new AdmissionPolicies(name, { namespace: "ml", policyConfig: { "pinned-images": "mandatory" } }, opts),
  ModelServing: (name, opts) =>
    new ModelServing(
      name,
      {
        namespace: "ml",
        modelName: "llm",
        modelUri: "s3://models/llm",
        image: "vllm/vllm-openai:v0.6.3",
        gpuProducts: ["NVIDIA-L40S"],
        autoscaling: { maxReplicas: 3 },
        monitoring: { dcgmExporter: true },
      },
      opts,
    ),
  "Autoscaling (KEDA)": (name, opts) =>
    new Autoscaling(
      name,
      { namespace: "ml", deploymentName: "llm", keda: true, maxReplicas: 3, targetRequestsPerSecond: 10 },
      opts,
    ),
  ModelMonitoring: (name, opts) =>
    new ModelMonitoring(
      name,
      { namespace: "ml", serviceSelectorLabels: { app: "llm" }, dcgmExporter: true },
      opts,
    ),
  DistributedTraining: (name, opts) =>
    new DistributedTraining(
      name,
      { namespace: "ml", image: "trainer:1.0", workers: 2, checkpointStorage: "10Gi" },
      opts,
    ),
  BatchInference: (name, opts) =>
    new BatchInference(
      name,
      {
        namespace: "ml",
        image: "scorer:1.0",
        completions: 4,
        parallelism: 2,
        inputUri: "s3://in/daily",
        outputUri: "s3://out/daily",
      },
      opts,
    ),
  GpuTenancy: (name, opts) =>
    new GpuTenancy(
      name,
      {
        gpuQuota: 4,
        requestsCpu: "16",
        requestsMemory: "64Gi",
        limitsMemory: "64Gi",
        modelSourceEgressCidrs: ["10.0.0.0/8"],
        apiServerEgressCidrs: ["10.1.0.0/16"],
      },
      opts,
    ),
  GpuSharing: (name, opts) => new GpuSharing(name, { replicas: 4, nodeNames: ["gpu-node-1"] }, opts),
  WorkloadPriorities: (name, opts) => new WorkloadPriorities(name, {}, opts),
  MLWorkflowDefinition: (name, opts) => new MLWorkflowDefinition(name, {}, opts),
  WorkloadQueue: (name, opts) =>
    new WorkloadQueue(
      name,
      { namespace: "ml", gpuQuotas: { "NVIDIA-L40S": 4 }, cpu: "16", memory: "64Gi", cohort: "shared" },
      opts,
    ),
};

/** Children whose replacement may create first: they change an existing object instead of naming a new one. */
const CREATE_FIRST_TYPES = new Set(["kubernetes:core/v1:NodePatch"]);

describe("every component's shape", () => {
  beforeEach(async () => {
    resetRegistrations();
    await useMocks();
  });

  for (const [label, create] of Object.entries(COMPONENTS)) {
    describe(label, () => {
      it("registers every child under itself, replaced delete-first", async () => {
        const seen = new Map<string, pulumi.ResourceOptions>();
        const component = create("shape", {
          transformations: [
            (args) => {
              seen.set(`${args.type}::${args.name}`, args.opts);
              return undefined;
            },
          ],
        });
        const children = (await registrations()).filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(children.length > 0, "a component creates children");
        for (const child of children) {
          const options = seen.get(`${child.type}::${child.name}`);
          assert.ok(options !== undefined, `${child.type} ${child.name} is not under the component`);
          assert.equal(options.parent, component, `${child.name}'s parent`);
          const custom = options as pulumi.CustomResourceOptions;
          assert.equal(
            custom.deleteBeforeReplace === true,
            !CREATE_FIRST_TYPES.has(child.type),
            `${child.name}'s deleteBeforeReplace`,
          );
        }
      });

      it("registers nothing, not even itself, and reports one problem for a bad name", async () => {
        assert.throws(
          () => create("Bad_Name"),
          (error: unknown) => {
            assert.ok(error instanceof ValidationError, String(error));
            // One problem is written on the same line; several would be listed below it.
            assert.match(error.message, /: invalid arguments: name must be [^\n]*; got "Bad_Name"$/);
            return true;
          },
        );
        assert.deepEqual(await registrations(), []);
      });
    });
  }

  it("MLWorkflow, a custom resource of its own, also registers nothing when invalid", async () => {
    const definition = new MLWorkflowDefinition("wf");
    await registrations();
    resetRegistrations();
    assert.throws(
      () =>
        new MLWorkflow("Bad_Name", {
          definition,
          namespace: "ml",
          modelName: "llm",
          trainingData: "s3://data",
          hyperparameters: { learningRate: 0.1, batchSize: 8, epochs: 1 },
        }),
      /MLWorkflow "Bad_Name": invalid arguments: name must be/,
    );
    assert.deepEqual(await registrations(), []);
  });
});
