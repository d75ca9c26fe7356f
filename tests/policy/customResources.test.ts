import { strict as assert } from "node:assert";
import { gpuQuotaCoverage } from "../../policy/policies/gpuQuotaCoverage";
import { gpuLimits } from "../../policy/policies/gpuLimits";
import { restrictedPodSecurity } from "../../policy/policies/restrictedPodSecurity";
import { CUSTOM_RESOURCE_KINDS } from "../../policy/lib/customResources";
import { labels, podSpec, quota, res, type Obj } from "./fixtures";
import { validateResource, validateStack } from "./harness";

const template = (name: string): Obj => ({
  metadata: { labels: labels(name, "training") },
  spec: podSpec({ gpus: 1 }),
});
const cr = (apiVersion: string, kind: string, spec: Obj): Obj => ({
  apiVersion,
  kind,
  metadata: { name: "w", namespace: "ml", labels: labels("w", "training") },
  spec,
});

interface KindCase {
  readonly kind: string;
  readonly object: () => Obj;
  /** Path of one pod template's spec (undefined: the kind has only container resources). */
  readonly specPath?: string;
  /** GPUs at maximum scale (1 GPU per pod unless said), undefined when never counted. */
  readonly demand?: number;
}

const replicaSpecs = (kind: string, field: string): KindCase => ({
  kind,
  object: () =>
    cr("kubeflow.org/v1", kind, {
      [field]: {
        Master: { replicas: 1, template: template("w") },
        Worker: { replicas: 3, template: template("w") },
      },
    }),
  specPath: `spec.${field}.Worker.template.spec`,
  demand: 4,
});

const rayCluster = (head: Obj, prefix: string[]): Obj => {
  const spec = {
    headGroupSpec: { template: template("w") },
    workerGroupSpecs: [
      { groupName: "gpu", replicas: 1, minReplicas: 0, maxReplicas: 4, template: template("w") },
    ],
  };
  let body: Obj = spec;
  for (const key of [...prefix].reverse()) body = { [key]: body };
  return { ...head, ...body };
};

const KIND_CASES: readonly KindCase[] = [
  replicaSpecs("PyTorchJob", "pytorchReplicaSpecs"),
  replicaSpecs("TFJob", "tfReplicaSpecs"),
  replicaSpecs("MPIJob", "mpiReplicaSpecs"),
  replicaSpecs("XGBoostJob", "xgbReplicaSpecs"),
  replicaSpecs("PaddleJob", "paddleReplicaSpecs"),
  replicaSpecs("JAXJob", "jaxReplicaSpecs"),
  {
    kind: "TrainJob",
    object: () =>
      cr("trainer.kubeflow.org/v1alpha1", "TrainJob", {
        runtimeRef: { name: "torch-distributed" },
        trainer: {
          numNodes: 4,
          resourcesPerNode: { requests: { "nvidia.com/gpu": "2" }, limits: { "nvidia.com/gpu": "2" } },
        },
      }),
    demand: 8,
  },
  {
    kind: "TrainingRuntime",
    object: () =>
      cr("trainer.kubeflow.org/v1alpha1", "TrainingRuntime", {
        template: {
          spec: { replicatedJobs: [{ name: "node", template: { spec: { template: template("w") } } }] },
        },
      }),
    specPath: "spec.template.spec.replicatedJobs[0].template.spec.template.spec",
  },
  {
    kind: "JobSet",
    object: () =>
      cr("jobset.x-k8s.io/v1alpha2", "JobSet", {
        replicatedJobs: [
          {
            name: "workers",
            replicas: 2,
            template: { spec: { parallelism: 4, completions: 4, template: template("w") } },
          },
        ],
      }),
    specPath: "spec.replicatedJobs[0].template.spec.template.spec",
    demand: 8,
  },
  {
    kind: "LeaderWorkerSet",
    object: () =>
      cr("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", {
        replicas: 2,
        leaderWorkerTemplate: { size: 4, leaderTemplate: template("w"), workerTemplate: template("w") },
      }),
    specPath: "spec.leaderWorkerTemplate.workerTemplate.spec",
    demand: 8,
  },
  {
    kind: "InferenceService",
    object: () => {
      const spec = podSpec({ gpus: 1 });
      const model = {
        ...(spec.containers as Obj[])[0],
        name: "kserve-container",
        modelFormat: { name: "huggingface" },
      };
      delete spec.containers;
      return cr("serving.kserve.io/v1beta1", "InferenceService", {
        predictor: { minReplicas: 1, maxReplicas: 3, labels: { tier: "serving" }, model, ...spec },
      });
    },
    specPath: "spec.predictor",
    demand: 3,
  },
  {
    kind: "RayCluster",
    object: () => rayCluster(cr("ray.io/v1", "RayCluster", {}), ["spec"]),
    specPath: "spec.workerGroupSpecs[0].template.spec",
    demand: 5,
  },
  {
    kind: "RayJob",
    object: () => rayCluster(cr("ray.io/v1", "RayJob", {}), ["spec", "rayClusterSpec"]),
    specPath: "spec.rayClusterSpec.workerGroupSpecs[0].template.spec",
    demand: 5,
  },
  {
    kind: "RayService",
    object: () => rayCluster(cr("ray.io/v1", "RayService", {}), ["spec", "rayClusterConfig"]),
    specPath: "spec.rayClusterConfig.workerGroupSpecs[0].template.spec",
    demand: 5,
  },
  {
    kind: "Workload",
    object: () =>
      cr("kueue.x-k8s.io/v1beta1", "Workload", {
        podSets: [{ name: "main", count: 3, template: template("w") }],
      }),
    specPath: "spec.podSets[0].template.spec",
    demand: 3,
  },
];

/** The object at a dotted path with [i] indexes. */
function at(root: Obj, path: string): Obj {
  let current: unknown = root;
  for (const part of path.replace(/\[(\d+)\]/g, ".$1").split("."))
    current = (current as Record<string, unknown>)[part];
  return current as Obj;
}

function firstContainer(spec: Obj): Obj {
  return ((spec.containers as Obj[] | undefined)?.[0] ?? spec.model) as Obj;
}

describe("pod templates inside custom resources", () => {
  it("has a test case for every kind of the table", () => {
    assert.deepEqual(
      CUSTOM_RESOURCE_KINDS.map((entry) => entry.kind).sort(),
      KIND_CASES.map((testCase) => testCase.kind).sort(),
    );
  });

  for (const testCase of KIND_CASES) {
    describe(testCase.kind, () => {
      it("a compliant object passes the pod rules and a quota at its demand", async () => {
        const object = res(testCase.object());
        assert.deepEqual(await validateResource(restrictedPodSecurity, object), []);
        assert.deepEqual(await validateResource(gpuLimits, object), []);
        if (testCase.demand !== undefined) {
          const fits = quota("q", { "requests.nvidia.com/gpu": String(testCase.demand) });
          assert.deepEqual(await validateStack(gpuQuotaCoverage, [object, fits]), []);
        }
      });

      if (testCase.specPath !== undefined) {
        const specPath = testCase.specPath;
        it(`the pod rules read ${specPath}`, async () => {
          const object = testCase.object();
          const spec = at(object, specPath);
          (firstContainer(spec).securityContext as Obj).privileged = true;
          const resources = firstContainer(spec).resources as { limits: Obj };
          resources.limits["nvidia.com/gpu"] = "0.5";
          const pss = await validateResource(restrictedPodSecurity, res(object));
          const field = specPath === "spec.predictor" ? `${specPath}.model` : `${specPath}.containers[0]`;
          assert.ok(
            pss.some((message) =>
              message.includes(`Field: ${field}.securityContext.privileged; found: true`),
            ),
            pss.join("\n"),
          );
          const limits = await validateResource(gpuLimits, res(object));
          assert.ok(
            limits.some((message) => message.includes(`Field: ${field}.resources.limits["nvidia.com/gpu"]`)),
            limits.join("\n"),
          );
        });
      }

      if (testCase.demand !== undefined) {
        const demand = testCase.demand;
        it(`gpu-quota-coverage counts ${demand} GPUs from the replica counts`, async () => {
          const object = res(testCase.object());
          const small = quota("q", { "requests.nvidia.com/gpu": String(demand - 1) });
          const violations = await validateStack(gpuQuotaCoverage, [object, small]);
          assert.equal(violations.length, 1);
          assert.match(
            violations[0]?.message ?? "",
            new RegExp(`demand at maximum scale in namespace ml is ${demand} nvidia\\.com/gpu`),
          );
          assert.match(violations[0]?.message ?? "", new RegExp(`${testCase.kind} ml/w: `));
          const none = await validateStack(gpuQuotaCoverage, [object]);
          assert.match(none[0]?.message ?? "", /no ResourceQuota caps requests\.nvidia\.com\/gpu/);
        });
      }
    });
  }

  it("a TrainingRuntime runs nothing by itself: no quota needed", async () => {
    const runtime = KIND_CASES.find((testCase) => testCase.kind === "TrainingRuntime");
    assert.ok(runtime);
    assert.deepEqual(await validateStack(gpuQuotaCoverage, [res(runtime.object())]), []);
  });

  it("a LeaderWorkerSet without a leaderTemplate runs the worker template for leaders too", async () => {
    const object = cr("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", {
      replicas: 2,
      leaderWorkerTemplate: { size: 4, workerTemplate: template("w") },
    });
    const violations = await validateStack(gpuQuotaCoverage, [
      res(object),
      quota("q", { "requests.nvidia.com/gpu": "7" }),
    ]);
    assert.match(
      violations[0]?.message ?? "",
      /is 8 nvidia\.com\/gpu.*LeaderWorkerSet ml\/w: 8 = spec\.replicas 2 x spec\.leaderWorkerTemplate\.size 4 x 1 per pod/,
    );
  });

  describe("customResources in policy config", () => {
    const myJob = (): Obj => cr("batch.example.com/v1", "MyJob", { shards: 3, podTemplate: template("w") });
    const config = {
      customResources: [
        {
          group: "batch.example.com",
          kind: "MyJob",
          templates: [{ path: "spec.podTemplate", replicas: [{ paths: ["spec.shards"], default: 1 }] }],
        },
      ],
    };

    it("adds kinds the pod rules read", async () => {
      const object = myJob();
      ((at(object, "spec.podTemplate.spec").containers as Obj[])[0]?.securityContext as Obj).runAsUser = 0;
      assert.deepEqual(await validateResource(restrictedPodSecurity, res(object)), []);
      const messages = await validateResource(restrictedPodSecurity, res(object), config);
      assert.equal(messages.length, 1);
      assert.match(
        messages[0] ?? "",
        /MyJob ml\/w, container "server": .*Field: spec\.podTemplate\.spec\.containers\[0\]\.securityContext\.runAsUser/,
      );
    });

    it("adds kinds the quota coverage counts", async () => {
      const stack = [res(myJob()), quota("q", { "requests.nvidia.com/gpu": "2" })];
      assert.deepEqual(await validateStack(gpuQuotaCoverage, stack), []);
      const violations = await validateStack(gpuQuotaCoverage, stack, config);
      assert.match(
        violations[0]?.message ?? "",
        /is 3 nvidia\.com\/gpu.*MyJob ml\/w: 3 = spec\.shards 3 x 1 per pod/,
      );
    });

    it("is validated against its schema", async () => {
      const { validatePackConfig } = await import("../../policy/lib/packConfig");
      const { allPolicies } = await import("../../policy/policies/all");
      assert.deepEqual(
        validatePackConfig(
          { "gpu-limits": { customResources: [{ group: "x", kind: "Y", templates: [{ paht: "spec" }] }] } },
          allPolicies,
        ),
        [
          "gpu-limits.customResources[0].templates[0]: path is required",
          'gpu-limits.customResources[0].templates[0]: unknown property "paht"',
        ],
      );
    });
  });
});
