import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config/problems";
import { main } from "../../program/main";
import {
  findResource,
  registrations,
  resetRegistrations,
  type RegisteredResource,
  useMocks,
  valueOf,
} from "./harness";
import { stackConfigText } from "./stackFiles";

/** Runs the program for a stack with the given config, the way the CLI would hand it over. */
async function runProgram(stack: string, config: Record<string, string>): Promise<RegisteredResource[]> {
  await useMocks(stack);
  pulumi.runtime.setAllConfig(config);
  main();
  return registrations();
}

/** Runs the program expecting a ConfigError; returns its message after checking nothing was registered. */
async function rejectedConfig(stack: string, config: Record<string, string>): Promise<string> {
  await useMocks(stack);
  pulumi.runtime.setAllConfig(config);
  let message: string | undefined;
  try {
    main();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(
      error instanceof pulumi.RunError,
      "ConfigError must be a RunError so Pulumi prints no stack trace",
    );
    message = error.message;
  }
  assert.ok(message !== undefined, "the config was accepted");
  assert.deepEqual(await registrations(), [], "nothing may be registered for invalid config");
  return message;
}

function countByType(resources: readonly RegisteredResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

type Item = Record<string, unknown>;

/** Replaces the first entry of a list key (models, trainingJobs, ...) with an edited copy. */
function withFirst(stack: string, key: string, edit: (item: Item) => Item): Record<string, string> {
  const config = stackConfigText(stack);
  const fullKey = `k8s-ml-patterns:${key}`;
  const [first, ...rest] = JSON.parse(config[fullKey] ?? "[]") as Item[];
  return { ...config, [fullKey]: JSON.stringify([edit(first), ...rest]) };
}

/** Replaces an object key (quota, monitoring, ...) with an edited copy. */
function withObject(stack: string, key: string, edit: (value: Item) => Item): Record<string, string> {
  const config = stackConfigText(stack);
  const fullKey = `k8s-ml-patterns:${key}`;
  return { ...config, [fullKey]: JSON.stringify(edit(JSON.parse(config[fullKey] ?? "{}") as Item)) };
}

const COMMON_TYPES = {
  "k8sml:index:GpuTenancy": 1,
  "k8sml:index:WorkloadPriorities": 1,
  "k8sml:index:ModelServing": 1,
  "k8sml:index:DistributedTraining": 1,
  "k8sml:index:BatchInference": 1,
  "k8sml:index:MLWorkflowDefinition": 1,
  "kubernetes:core/v1:Namespace": 1,
  "kubernetes:core/v1:ResourceQuota": 1,
  "kubernetes:core/v1:LimitRange": 1,
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": 7,
  "kubernetes:rbac.authorization.k8s.io/v1:Role": 1,
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
  "kubernetes:scheduling.k8s.io/v1:PriorityClass": 3,
  "kubernetes:core/v1:ServiceAccount": 4,
  "kubernetes:core/v1:Service": 2,
  "kubernetes:apps/v1:Deployment": 1,
  "kubernetes:policy/v1:PodDisruptionBudget": 1,
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 1,
  "kubernetes:apps/v1:StatefulSet": 1,
  "kubernetes:batch/v1:Job": 1,
  // The MLWorkflow CRD and the admission policies' params CRD.
  "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": 2,
  // The pack's four per-resource rules as admission policies, each bound (no rule is disabled).
  "k8sml:index:AdmissionPolicies": 1,
  "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": 7,
  "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": 7,
};

describe("the program", () => {
  beforeEach(() => {
    resetRegistrations();
  });

  it("deploys no admission policies unless admissionPolicies.enabled is set", async () => {
    const committed = JSON.parse(stackConfigText("dev")["k8s-ml-patterns:admissionPolicies"] ?? "{}") as Item;
    assert.equal(committed.enabled, true, "Pulumi.dev.yaml enables the admission policies");
    const all = await runProgram(
      "dev",
      withObject("dev", "admissionPolicies", () => ({ enabled: false })),
    );
    assert.equal(all.filter((r) => r.type.startsWith("kubernetes:admissionregistration.k8s.io/")).length, 0);
    assert.equal(all.filter((r) => r.type === "k8sml:index:AdmissionPolicies").length, 0);
  });

  it("deploys the dev stack's resources", async () => {
    const all = await runProgram("dev", stackConfigText("dev"));
    assert.deepEqual(countByType(all), {
      ...COMMON_TYPES,
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": 1,
      "kubernetes:ai.example.com/v1:MLWorkflow": 1,
      "kubernetes:ml-dev-admission.admission.k8sml.io/v1:AdmissionParams": 1,
    });
  });

  it("deploys the prod stack's resources, with the DCGM ServiceMonitor and no workflow", async () => {
    const all = await runProgram("prod", stackConfigText("prod"));
    assert.deepEqual(countByType(all), {
      ...COMMON_TYPES,
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": 2,
      // queueing.mode kueue: the queue, its flavors (H100, L40S, CPU and memory) and priorities.
      "k8sml:index:WorkloadQueue": 1,
      "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": 3,
      "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue": 1,
      "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": 1,
      "kubernetes:kueue.x-k8s.io/v1beta2:WorkloadPriorityClass": 3,
      "kubernetes:ml-prod-admission.admission.k8sml.io/v1:AdmissionParams": 1,
    });
    const labelsOf = (type: string): Record<string, string> | undefined =>
      (all.find((r) => r.type === type)?.inputs.metadata as { labels?: Record<string, string> }).labels;
    assert.equal(labelsOf("kubernetes:apps/v1:StatefulSet")?.["kueue.x-k8s.io/queue-name"], "ml-prod-queue");
    assert.equal(labelsOf("kubernetes:batch/v1:Job")?.["kueue.x-k8s.io/priority-class"], "ml-prod-batch");
    assert.equal(labelsOf("kubernetes:apps/v1:Deployment")?.["kueue.x-k8s.io/queue-name"], undefined);
  });

  it("puts every namespaced object into the stack's namespace and names its PriorityClass", async () => {
    const all = await runProgram("dev", stackConfigText("dev"));
    const clusterScoped = new Set([
      "kubernetes:core/v1:Namespace",
      "kubernetes:scheduling.k8s.io/v1:PriorityClass",
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    ]);
    for (const r of all.filter((r) => r.type.startsWith("kubernetes:") && !clusterScoped.has(r.type))) {
      const metadata = r.inputs.metadata as { namespace?: string };
      assert.equal(metadata.namespace, "ml-dev", `${r.type} ${r.name}`);
    }
    const podSpecOf = (type: string, name: string): { priorityClassName?: string } => {
      const spec = findResource(all, type, name).inputs.spec as {
        template: { spec: { priorityClassName?: string } };
      };
      return spec.template.spec;
    };
    assert.equal(
      podSpecOf("kubernetes:apps/v1:Deployment", "llama-small-deploy").priorityClassName,
      "ml-dev-serving",
    );
    assert.equal(
      podSpecOf("kubernetes:apps/v1:StatefulSet", "finetune-sts").priorityClassName,
      "ml-dev-training",
    );
    assert.equal(podSpecOf("kubernetes:batch/v1:Job", "embed-corpus-job").priorityClassName, "ml-dev-batch");
  });

  it("scales the serving Deployment it created and starts it at the autoscaler's minimum", async () => {
    const all = await runProgram("prod", stackConfigText("prod"));
    const hpa = all.find((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    const deployment = all.find((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.ok(hpa !== undefined && deployment !== undefined);
    const spec = hpa.inputs.spec as {
      scaleTargetRef: { name: string };
      minReplicas: number;
      maxReplicas: number;
    };
    assert.equal(spec.scaleTargetRef.name, (deployment.inputs.metadata as { name: string }).name);
    assert.deepEqual([spec.minReplicas, spec.maxReplicas], [2, 10]);
    assert.equal((deployment.inputs.spec as { replicas: number }).replicas, 3);
  });

  describe("orders workloads after what they need, through plain names and one dependsOn (issue 18)", () => {
    /** Runs the program, recording the arguments and options of every component of `types`. */
    async function captured(
      stack: string,
      config: Record<string, string>,
      types: readonly string[],
    ): Promise<{ deployed: ReturnType<typeof main>; seen: Map<string, pulumi.ResourceTransformationArgs> }> {
      await useMocks(stack);
      pulumi.runtime.setAllConfig(config, ["k8s-ml-patterns:modelSourceToken"]);
      const seen = new Map<string, pulumi.ResourceTransformationArgs>();
      const deployed = main([
        (t) => {
          if (types.includes(t.type)) seen.set(t.name, t);
          return undefined;
        },
      ]);
      await registrations();
      return { deployed, seen };
    }

    it("a model server: its namespace, PriorityClass and Secret by name, waiting for namespace, quota, limits, class, Secret and admission policies", async () => {
      const { deployed, seen } = await captured(
        "dev",
        { ...stackConfigText("dev"), "k8s-ml-patterns:modelSourceToken": "hf_abc" },
        ["k8sml:index:ModelServing", "kubernetes:apps/v1:Deployment"],
      );
      assert.ok(deployed.modelSourceSecret !== undefined && deployed.admission !== undefined);
      const t = seen.get("llama-small");
      assert.ok(t !== undefined);
      // The names come plain: the Deployment's metadata is built from known settings and carries
      // no resource along (before, every field came through the Namespace's Output).
      const deployment = seen.get("llama-small-deploy");
      assert.ok(deployment !== undefined);
      const metadata = (deployment.props as { metadata: unknown }).metadata;
      assert.ok(pulumi.Output.isInstance(metadata));
      const carried = (metadata as unknown as { resources(): Set<pulumi.Resource> }).resources();
      assert.equal(carried.size, 0, "no Output hop from another resource");
      const inputs = findResource(
        await registrations(),
        "kubernetes:apps/v1:Deployment",
        "llama-small-deploy",
      ).inputs as {
        metadata: { namespace: string };
        spec: { template: { spec: { priorityClassName: string } } };
      };
      assert.equal(inputs.metadata.namespace, await valueOf(deployed.tenancy.namespaceName));
      assert.equal(
        inputs.spec.template.spec.priorityClassName,
        await valueOf(deployed.priorities.servingClassName),
      );
      assert.deepEqual(t.opts.dependsOn, [
        deployed.tenancy.namespace,
        deployed.tenancy.resourceQuota,
        deployed.tenancy.limitRange,
        deployed.priorities.serving,
        deployed.modelSourceSecret,
        deployed.admission,
      ]);
    });

    it("queued training and batch jobs: the queue's names, waiting for the whole queue", async () => {
      const { deployed, seen } = await captured("prod", stackConfigText("prod"), [
        "k8sml:index:DistributedTraining",
        "k8sml:index:BatchInference",
      ]);
      assert.ok(deployed.queue !== undefined);
      const jobs = [...seen.values()];
      assert.ok(jobs.length >= 2, "prod has training and batch jobs");
      for (const t of jobs) {
        const dependsOn = t.opts.dependsOn as pulumi.Resource[];
        assert.ok(dependsOn.includes(deployed.queue), `${t.name} waits for the queue`);
        assert.ok(dependsOn.includes(deployed.tenancy.namespace), `${t.name} waits for the namespace`);
      }
    });
  });

  it("keeps the model-source token a Pulumi secret and hands it only to the loader", async () => {
    await useMocks("dev");
    pulumi.runtime.setAllConfig({ ...stackConfigText("dev"), "k8s-ml-patterns:modelSourceToken": "hf_abc" }, [
      "k8s-ml-patterns:modelSourceToken",
    ]);
    const deployed = main();
    const secret = deployed.modelSourceSecret;
    assert.ok(secret !== undefined);
    assert.equal(await pulumi.isSecret(secret.stringData), true);
    assert.deepEqual(await valueOf(secret.stringData), { MODEL_SOURCE_TOKEN: "hf_abc" });
    const all = await registrations();
    const pod = (
      findResource(all, "kubernetes:apps/v1:Deployment", "llama-small-deploy").inputs.spec as {
        template: {
          spec: {
            initContainers: { name: string; envFrom?: unknown }[];
            containers: { envFrom?: unknown }[];
          };
        };
      }
    ).template.spec;
    assert.deepEqual(pod.initContainers[0]?.envFrom, [{ secretRef: { name: "ml-dev-model-source" } }]);
    assert.equal(pod.containers[0]?.envFrom, undefined);
  });

  it("deploys a CPU-only model (gpusPerPod 0) without GPUs or GPU placement", async () => {
    const all = await runProgram(
      "dev",
      withFirst("dev", "models", (model) => ({ ...model, gpusPerPod: 0 })),
    );
    const pod = (
      findResource(all, "kubernetes:apps/v1:Deployment", "llama-small-deploy").inputs.spec as {
        template: { spec: { affinity?: unknown; containers: { resources: { limits: object } }[] } };
      }
    ).template.spec;
    assert.equal(pod.affinity, undefined);
    assert.ok(!("nvidia.com/gpu" in (pod.containers[0]?.resources.limits ?? {})));
  });

  describe("rejects invalid config before registering anything", () => {
    it("a schema violation, naming stack, key, value and what is allowed", async () => {
      const message = await rejectedConfig(
        "dev",
        withFirst("dev", "models", (model) => ({ ...model, gpusPerPod: 1.5 })),
      );
      assert.equal(
        message,
        'Invalid config for stack "dev": k8s-ml-patterns:models[0].gpusPerPod must be a whole number; got 1.5',
      );
    });

    it("demand over the quota in the prod stack (its Kueue queue and serving must fit the quota)", async () => {
      const message = await rejectedConfig(
        "prod",
        withObject("prod", "quota", (quota) => ({ ...quota, gpus: 8 })),
      );
      assert.equal(
        message,
        'Invalid config for stack "prod": k8s-ml-patterns:quota.gpus must be at least 22: the ResourceQuota counts every pod that exists, so 11 for the model servers at maximum scale (rollout surge included), 8 for the training workers (they exist, gated, while queued) and 3 for the batch jobs Kueue may admit at once (at most the queue\'s 14 GPUs), or it refuses pods of admitted workloads; got 8',
      );
    });

    it("demand over the quota in the dev stack (plain ResourceQuota)", async () => {
      const message = await rejectedConfig(
        "dev",
        withObject("dev", "quota", (quota) => ({ ...quota, gpus: 2 })),
      );
      assert.match(
        message,
        /^Invalid config for stack "dev": k8s-ml-patterns:quota\.gpus must be at least the stack's GPU demand at maximum scale with rollout surge, \d+ \(/,
      );
      assert.match(message, /; got 2$/);
    });

    it("a value the schema allows but a component rejects", async () => {
      const longName = "t".repeat(60);
      const message = await rejectedConfig(
        "dev",
        withFirst("dev", "trainingJobs", (job) => ({ ...job, name: longName })),
      );
      assert.ok(
        message.startsWith(
          `Invalid config for stack "dev": k8s-ml-patterns:trainingJobs[0] is rejected by its component: DistributedTraining "${longName}": invalid arguments:`,
        ),
        message,
      );
      assert.match(message, /name must be/);
    });

    it("a typo in a top-level key", async () => {
      const message = await rejectedConfig("dev", {
        ...stackConfigText("dev"),
        "k8s-ml-patterns:quotas": "{}",
      });
      assert.match(message, /k8s-ml-patterns:quotas must be a known key/);
    });
  });
});
