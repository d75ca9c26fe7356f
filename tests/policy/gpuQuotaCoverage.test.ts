import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../policy/lib/values";
import { gpuQuotaCoverage } from "../../policy/policies/gpuQuotaCoverage";
import {
  container,
  hpa,
  initContainer,
  labels,
  mutate,
  quota,
  res,
  scaledObject,
  sidecar,
  workload,
  type Obj,
} from "./fixtures";
import { validateStack } from "./harness";

async function messages(
  resources: Parameters<typeof validateStack>[1],
  config: object = {},
): Promise<string[]> {
  return (await validateStack(gpuQuotaCoverage, resources, config)).map((v) => v.message);
}

const GPU8 = { "requests.nvidia.com/gpu": "8" };

/** A Kueue LocalQueue in `ml` and its ClusterQueue admitting `gpus` (plus `borrow` from a cohort). */
function kueueQueue(gpus: number, borrow?: number | null): ReturnType<typeof res>[] {
  const gpuQuota: Obj = { name: "nvidia.com/gpu", nominalQuota: gpus };
  if (borrow !== undefined && borrow !== null) gpuQuota.borrowingLimit = borrow;
  return [
    res({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "LocalQueue",
      metadata: { name: "jobs", namespace: "ml" },
      spec: { clusterQueue: "ml" },
    }),
    res({
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ClusterQueue",
      metadata: { name: "ml" },
      spec: {
        ...(borrow === undefined ? {} : { cohortName: "shared" }),
        resourceGroups: [
          { coveredResources: ["nvidia.com/gpu"], flavors: [{ name: "l40s", resources: [gpuQuota] }] },
        ],
      },
    }),
  ];
}

const queued = (name: string, gpus: number, parallelism: number): ReturnType<typeof workload> =>
  workload("Job", name, {
    gpus,
    parallelism,
    completions: parallelism,
    labels: { ...labels(name, "batch"), "kueue.x-k8s.io/queue-name": "jobs" },
  });

describe("gpu-quota-coverage with Kueue", () => {
  it("counts queued workloads for at most what their ClusterQueue admits", async () => {
    const stack = [
      quota("q", GPU8),
      // 1 replica + 1 rollout surge pod
      workload("Deployment", "llm", { gpus: 1, replicas: 1 }),
      queued("a", 2, 2),
      queued("b", 4, 2),
      ...kueueQueue(6),
    ];
    assert.deepEqual(await messages(stack), []);
  });

  it("still reports a queue that, with the workloads outside it, outgrows the quota", async () => {
    const stack = [
      quota("q", GPU8),
      workload("Deployment", "llm", { gpus: 1, replicas: 3 }),
      queued("a", 4, 2),
      ...kueueQueue(6),
    ];
    const [message, ...rest] = await messages(stack);
    assert.deepEqual(rest, []);
    assert.match(
      message,
      /GPU demand at maximum scale in namespace ml is 10 nvidia\.com\/gpu, over the quota of 8/,
    );
    assert.match(
      message,
      /queued in ClusterQueue ml, which admits at most 6: 6 of 8 \(Job ml\/a: 8 = parallelism 2 x 4 per pod\)/,
    );
  });

  it("adds the borrowing limit in a cohort, and gives no cap for unlimited borrowing", async () => {
    const base = [quota("q", GPU8), queued("a", 4, 3)];
    assert.deepEqual(await messages([...base, ...kueueQueue(6, 2)]), []);
    const unlimited = await messages([...base, ...kueueQueue(6, null)]);
    assert.equal(unlimited.length, 1);
    assert.match(unlimited[0] ?? "", /is 12 nvidia\.com\/gpu, over the quota of 8/);
  });

  it("does not cap a queued StatefulSet: its gated pods exist and count against the quota", async () => {
    const trainer = workload("StatefulSet", "t", {
      gpus: 4,
      replicas: 3,
      labels: { ...labels("t", "trainer"), "kueue.x-k8s.io/queue-name": "jobs" },
    });
    const found = await messages([quota("q", GPU8), trainer, ...kueueQueue(6)]);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? "", /is 12 nvidia\.com\/gpu, over the quota of 8/);
  });

  it("does not cap a workload that names no queue of its namespace", async () => {
    const stray = workload("Job", "a", {
      gpus: 4,
      parallelism: 3,
      completions: 3,
      labels: { ...labels("a", "batch"), "kueue.x-k8s.io/queue-name": "other" },
    });
    const found = await messages([quota("q", GPU8), stray, ...kueueQueue(6)]);
    assert.equal(found.length, 1);
  });
});

describe("gpu-quota-coverage", () => {
  it("reports a GPU namespace without a quota, listing each workload's share", async () => {
    const llm = workload("Deployment", "llm", { gpus: 1, replicas: 3 });
    const v = await validateStack(gpuQuotaCoverage, [
      llm,
      workload("Deployment", "cpu-only", { replicas: 5 }),
    ]);
    assert.deepEqual(v, [
      {
        message: `Namespace ml: namespace ml runs GPU workloads but no ResourceQuota caps requests.nvidia.com/gpu. Field: ResourceQuota spec.hard["requests.nvidia.com/gpu"]; found: no such quota; GPU demand at maximum scale 4 (Deployment ml/llm: 4 = (3 replicas + 1 rollout surge, maxSurge default 25%) x 1 per pod). Fix: add a ResourceQuota in ml with spec.hard["requests.nvidia.com/gpu"] of at least 4`,
        urn: llm.urn,
      },
    ]);
  });

  it("adds up demand at maximum scale: HPA maxReplicas, StatefulSet replicas, Job and CronJob parallelism, Pods", async () => {
    const stack = [
      workload("Deployment", "llm", { gpus: 1, replicas: 3 }),
      hpa("llm", "llm", 2, 10),
      workload("StatefulSet", "trainer", { gpus: 2, replicas: 4, labels: labels("trainer", "trainer") }),
      hpa("trainer", "trainer", 1, 2, "ml", "StatefulSet"),
      workload("Job", "batch", {
        gpus: 1,
        parallelism: 3,
        completions: 10,
        labels: labels("batch", "batch"),
      }),
      workload("Job", "tail", { gpus: 1, parallelism: 5, completions: 2, labels: labels("tail", "batch") }),
      workload("CronJob", "nightly", {
        gpus: 2,
        parallelism: 2,
        completions: 4,
        labels: labels("nightly", "batch"),
      }),
      workload("Pod", "debug", { gpus: 1, labels: labels("debug", "debug") }),
    ];
    // (10 + 3 surge: 25% of 10 rounded up)*1 + 4*2 + 3*1 + 2*1 + 2*2 + 1 = 31; StatefulSets,
    // Jobs and Pods do not surge.
    const over = quota("gpu", { "requests.nvidia.com/gpu": "30" });
    const v = await validateStack(gpuQuotaCoverage, [...stack, over]);
    assert.deepEqual(v, [
      {
        message: `ResourceQuota ml/gpu: GPU demand at maximum scale in namespace ml is 31 nvidia.com/gpu, over the quota of 30. Field: spec.hard["requests.nvidia.com/gpu"]; found: "30"; demand by workload: Deployment ml/llm: 13 = (maxReplicas 10 of HorizontalPodAutoscaler ml/llm + 3 rollout surge, maxSurge default 25%) x 1 per pod; StatefulSet ml/trainer: 8 = 4 replicas (above maxReplicas 2 of HorizontalPodAutoscaler ml/trainer) x 2 per pod; Job ml/batch: 3 = parallelism 3 x 1 per pod; Job ml/tail: 2 = min(parallelism 5, completions 2) x 1 per pod; CronJob ml/nightly: 4 = per run: parallelism 2 x 2 per pod; Pod ml/debug: 1 = 1 pod x 1 per pod. Fix: raise spec.hard["requests.nvidia.com/gpu"] to at least 31, or lower replicas, maxReplicas, maxSurge, parallelism or GPUs per pod`,
        urn: over.urn,
      },
    ]);
    assert.deepEqual(await messages([...stack, quota("gpu", { "requests.nvidia.com/gpu": 31 })]), []);
  });

  it("uses KEDA's maxReplicaCount (default 100) and the largest of several autoscalers", async () => {
    const llm = workload("Deployment", "llm", { gpus: 1 });
    const keda = scaledObject("llm", "llm", 0);
    const msgs = await messages([llm, keda, quota("gpu", GPU8)]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /is 125 nvidia\.com\/gpu, over the quota of 8\..*Deployment ml\/llm: 125 = \(maxReplicas 100 of ScaledObject ml\/llm \+ 25 rollout surge, maxSurge default 25%\) x 1 per pod/,
    );
    // max(4, 6) = 6 replicas + 2 surge (25% of 6, rounded up) = 8.
    const both = [llm, scaledObject("llm", "llm", 0, 4), hpa("llm-hpa", "llm", 1, 6), quota("gpu", GPU8)];
    assert.deepEqual(await messages(both), []);
    assert.equal((await messages([...both, hpa("llm-hpa2", "llm", 1, 9)])).length, 1);
  });

  it("counts init containers and sidecars as Kubernetes does", async () => {
    // max(init 4, regular 1 + sidecar 1) = 4 per pod, 2 replicas = 8 (no surge: Recreate).
    const w = workload("Deployment", "llm", {
      replicas: 2,
      spec: { strategy: { type: "Recreate" } },
      containers: [container({ gpus: 1 })],
      initContainers: [initContainer({ gpus: 4 }), sidecar({ gpus: 1 })],
    });
    assert.deepEqual(await messages([w, quota("gpu", GPU8)]), []);
    const msgs = await messages([w, quota("gpu", { "requests.nvidia.com/gpu": "7" })]);
    assert.match(msgs[0] ?? "", /Deployment ml\/llm: 8 = 2 replicas x 4 per pod/);
  });

  it("uses the lowest of several requests.<gpu> caps and ignores scoped quotas and keys Kubernetes does not enforce", async () => {
    const w = workload("Deployment", "llm", {
      gpus: 1,
      replicas: 6,
      spec: { strategy: { type: "Recreate" } },
    });
    const stack = [
      w,
      quota("big", { "requests.nvidia.com/gpu": "16" }),
      quota("small", { "requests.nvidia.com/gpu": "5", "requests.cpu": "64" }),
      // Accepted by the API server, enforced by nothing: extended resources are capped by requests only.
      quota("unenforced", { "limits.nvidia.com/gpu": "1", "nvidia.com/gpu": "1" }),
      quota("scoped", { "requests.nvidia.com/gpu": "1" }, "ml", { scopes: ["BestEffort"] }),
    ];
    const v = await validateStack(gpuQuotaCoverage, stack);
    assert.equal(v.length, 1);
    assert.match(
      v[0]?.message ?? "",
      /^ResourceQuota ml\/small: GPU demand at maximum scale in namespace ml is 6 nvidia\.com\/gpu, over the quota of 5\. Field: spec\.hard\["requests\.nvidia\.com\/gpu"\]; found: "5";/,
    );
    assert.equal(v[0]?.urn, stack[2]?.urn);
  });

  it("does not count limits.<gpu> or a bare <gpu> key as a cap: Kubernetes enforces only requests.<gpu>", async () => {
    const w = workload("Deployment", "llm", { gpus: 1, replicas: 2 });
    const v = await messages([w, quota("gpu", { "limits.nvidia.com/gpu": "8", "nvidia.com/gpu": "8" })]);
    assert.equal(v.length, 1);
    assert.match(
      v[0] ?? "",
      /^Namespace ml: namespace ml runs GPU workloads but no ResourceQuota caps requests\.nvidia\.com\/gpu \(nvidia\.com\/gpu and limits\.nvidia\.com\/gpu are not enforced by Kubernetes for an extended resource\)\./,
    );
    assert.deepEqual(await messages([w, quota("gpu", { "requests.nvidia.com/gpu": "3" })]), []);
  });

  it("adds a Deployment's rollout surge at maximum scale, maxSurge resolved as the controller rounds it", async () => {
    const deployment = (strategy: Obj | undefined, replicas = 11): Parameters<typeof messages>[0][number] =>
      workload("Deployment", "llm", {
        gpus: 1,
        replicas,
        ...(strategy === undefined ? {} : { spec: { strategy } }),
      });
    const cap = (gpus: number) => quota("gpu", { "requests.nvidia.com/gpu": String(gpus) });
    const rolling = (maxSurge: unknown): Obj => ({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge, maxUnavailable: 0 },
    });
    // An integer as it is: 11 + 1.
    assert.deepEqual(await messages([deployment(rolling(1)), cap(12)]), []);
    assert.match(
      (await messages([deployment(rolling(1)), cap(11)]))[0] ?? "",
      /is 12 nvidia\.com\/gpu.*\(11 replicas \+ 1 rollout surge, maxSurge 1\)/,
    );
    // A percentage rounded up: 10% of 11 = 1.1 -> 2.
    assert.match(
      (await messages([deployment(rolling("10%")), cap(12)]))[0] ?? "",
      /is 13 nvidia\.com\/gpu.*\+ 2 rollout surge, maxSurge "10%"/,
    );
    // The default 25%: 25% of 11 = 2.75 -> 3.
    assert.match(
      (await messages([deployment(undefined), cap(13)]))[0] ?? "",
      /is 14 nvidia\.com\/gpu.*maxSurge default 25%/,
    );
    // Recreate and maxSurge 0 add nothing.
    assert.deepEqual(await messages([deployment({ type: "Recreate" }), cap(11)]), []);
    assert.deepEqual(await messages([deployment(rolling(0)), cap(11)]), []);
    // Surge is counted at the autoscaler's maximum, not at the initial replicas.
    assert.match(
      (await messages([deployment(rolling(1), 1), hpa("llm", "llm", 1, 4), cap(4)]))[0] ?? "",
      /is 5 nvidia\.com\/gpu.*\(maxReplicas 4 of HorizontalPodAutoscaler ml\/llm \+ 1 rollout surge, maxSurge 1\)/,
    );
    // An unknown strategy during preview claims no overrun.
    assert.deepEqual(await messages([deployment(UNKNOWN as unknown as Obj), cap(1)]), []);
  });

  it("checks each namespace against its own quota", async () => {
    const stack = [
      workload("Deployment", "a", { gpus: 2, replicas: 2, namespace: "team-a" }),
      // 2 replicas + 1 surge (25% of 2, rounded up) x 2 GPUs = 6.
      quota("gpu", { "requests.nvidia.com/gpu": "6" }, "team-a"),
      workload("Deployment", "b", { gpus: 2, replicas: 2, namespace: "team-b" }),
      quota("gpu", { "requests.nvidia.com/gpu": "2" }, "team-b"),
      workload("Deployment", "c", { gpus: 1, namespace: "team-c" }),
      quota("gpu", { "requests.nvidia.com/gpu": "100" }, "team-a"),
    ];
    const msgs = await messages(stack);
    assert.equal(msgs.length, 2);
    assert.match(
      msgs[0] ?? "",
      /^ResourceQuota team-b\/gpu: .* is 6 nvidia\.com\/gpu, over the quota of 2\./,
    );
    assert.match(
      msgs[1] ?? "",
      /^Namespace team-c: namespace team-c runs GPU workloads but no ResourceQuota/,
    );
  });

  it("needs a quota per GPU resource name (MIG slices and shared GPUs are separate resources)", async () => {
    const c = container();
    const r = c.resources as { requests: Obj; limits: Obj };
    r.requests["nvidia.com/mig-1g.10gb"] = 1;
    r.limits["nvidia.com/mig-1g.10gb"] = 1;
    const w = workload("Deployment", "small", { containers: [c], replicas: 3 });
    const msgs = await messages([w, quota("gpu", GPU8)]);
    assert.equal(msgs.length, 1);
    assert.match(msgs[0] ?? "", /no ResourceQuota caps requests\.nvidia\.com\/mig-1g\.10gb\./);
    assert.deepEqual(await messages([w, quota("mig", { "requests.nvidia.com/mig-1g.10gb": "4" })]), []);
  });

  it("assumes daemonSetNodes nodes for a GPU DaemonSet", async () => {
    const ds = workload("DaemonSet", "probe", { gpus: 1, labels: { app: "probe" } });
    assert.deepEqual(await messages([ds, quota("gpu", { "requests.nvidia.com/gpu": "1" })]), []);
    const msgs = await messages([ds, quota("gpu", { "requests.nvidia.com/gpu": "1" })], {
      daemonSetNodes: 4,
    });
    assert.match(msgs[0] ?? "", /DaemonSet ml\/probe: 4 = 4 node\(s\) \(daemonSetNodes\) x 1 per pod/);
  });

  it("does not claim an overrun it cannot compute during preview, but still requires the quota", async () => {
    const w = mutate(workload("Deployment", "llm", { gpus: 1 }), (p) => {
      (p.spec as Obj).replicas = UNKNOWN;
    });
    assert.deepEqual(await messages([w, quota("gpu", { "requests.nvidia.com/gpu": "0" })]), []);
    const msgs = await messages([w]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /GPU demand at maximum scale at least 0 \(Deployment ml\/llm: unknown \(replicas unknown\)\)/,
    );
    const unknownQuota = quota("gpu", UNKNOWN as unknown as Obj);
    assert.deepEqual(await messages([workload("Deployment", "x", { gpus: 9 }), unknownQuota]), []);
  });
});
