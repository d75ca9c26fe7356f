import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as publicSurface from "../../components";
import { ADMISSION_POLICIES_TYPE } from "../../components/admissionPolicies/admissionPolicies";
import { AUTOSCALING_TYPE } from "../../components/autoscaling/autoscaling";
import { BATCH_INFERENCE_TYPE } from "../../components/batchInference/batchInference";
import { DISTRIBUTED_TRAINING_TYPE } from "../../components/distributedTraining/distributedTraining";
import { GPU_SHARING_TYPE } from "../../components/gpuSharing";
import { GPU_TENANCY_TYPE } from "../../components/gpuTenancy/gpuTenancy";
import {
  componentOptions,
  FORMER_COMPONENT_TYPES,
  type ComponentTypeName,
} from "../../components/lib/typeTokens";
import { MLWORKFLOW_DEFINITION_TYPE } from "../../components/mlWorkflow/definition";
import { MODEL_SERVING_TYPE } from "../../components/modelServing/modelServing";
import { MODEL_MONITORING_TYPE } from "../../components/monitoring/monitoring";
import { WORKLOAD_PRIORITIES_TYPE } from "../../components/workloadPriorities";
import { WORKLOAD_QUEUE_TYPE } from "../../components/workloadQueue/workloadQueue";

const REGISTERED: Record<ComponentTypeName, string> = {
  AdmissionPolicies: ADMISSION_POLICIES_TYPE,
  Autoscaling: AUTOSCALING_TYPE,
  BatchInference: BATCH_INFERENCE_TYPE,
  DistributedTraining: DISTRIBUTED_TRAINING_TYPE,
  GpuSharing: GPU_SHARING_TYPE,
  GpuTenancy: GPU_TENANCY_TYPE,
  MLWorkflowDefinition: MLWORKFLOW_DEFINITION_TYPE,
  ModelMonitoring: MODEL_MONITORING_TYPE,
  ModelServing: MODEL_SERVING_TYPE,
  WorkloadPriorities: WORKLOAD_PRIORITIES_TYPE,
  WorkloadQueue: WORKLOAD_QUEUE_TYPE,
};

/** The ComponentResource classes of the public surface, by name. */
function publicComponents(): string[] {
  return Object.entries(publicSurface)
    .filter(([, value]) => typeof value === "function" && value.prototype instanceof pulumi.ComponentResource)
    .map(([name]) => name)
    .sort();
}

describe("component type tokens", () => {
  it("registers every public component as k8sml:index:<its class name>", () => {
    assert.deepEqual(Object.keys(REGISTERED).sort(), publicComponents());
    for (const [name, type] of Object.entries(REGISTERED)) {
      assert.equal(type, `k8sml:index:${name}`);
    }
  });

  it("keeps a former token, in another module, for every public component", () => {
    assert.deepEqual(Object.keys(FORMER_COMPONENT_TYPES).sort(), publicComponents());
    for (const [name, former] of Object.entries(FORMER_COMPONENT_TYPES)) {
      assert.match(former, new RegExp(`^k8sml:[a-z]+:${name}$`));
      assert.notEqual(former, REGISTERED[name as ComponentTypeName]);
    }
  });

  it("aliases a component to its former token and keeps the caller's options and aliases", () => {
    const options = componentOptions("ModelServing", {
      protect: true,
      aliases: [{ name: "old-name" }],
    });
    assert.equal(options.protect, true);
    assert.deepEqual(options.aliases, [{ name: "old-name" }, { type: "k8sml:serving:ModelServing" }]);
    assert.deepEqual(componentOptions("GpuTenancy", undefined).aliases, [
      { type: "k8sml:tenancy:GpuTenancy" },
    ]);
  });
});
