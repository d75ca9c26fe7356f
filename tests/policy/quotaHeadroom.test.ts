import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../policy/lib/values";
import { quotaHeadroom } from "../../policy/policies/quotaHeadroom";
import { container, hpa, labels, mutate, quota, workload, type Obj } from "./fixtures";
import { validateStack } from "./harness";

async function messages(
  resources: Parameters<typeof validateStack>[1],
  config: object = {},
): Promise<string[]> {
  return (await validateStack(quotaHeadroom, resources, config)).map((v) => v.message);
}

const ONE_SURGE = { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };
/** Two replicas of 2 CPU / 16Gi requested and 4 CPU / 32Gi limited, rolled out one surge pod at a time. */
const server = workload("Deployment", "llm", { replicas: 2, spec: ONE_SURGE });

describe("quota-headroom", () => {
  it("counts a Deployment's rollout surge against memory requests, with the breakdown", async () => {
    const tight = quota("compute", { "requests.memory": "40Gi" });
    const v = await validateStack(quotaHeadroom, [server, tight]);
    assert.deepEqual(v, [
      {
        message: `ResourceQuota ml/compute: memory requests at maximum scale in namespace ml, rollout surge included, are 48Gi, over the quota of 40Gi. Field: spec.hard["requests.memory"]; found: "40Gi"; demand by workload: Deployment ml/llm: 48Gi = (2 replicas + 1 rollout surge, maxSurge 1) x 16Gi per pod. Fix: raise spec.hard["requests.memory"] to at least 48Gi, or lower replicas, maxReplicas, maxSurge, parallelism or per-pod memory requests`,
        urn: tight.urn,
      },
    ]);
    // Steady state alone (32Gi) fits; the surge pod is what needs the headroom.
    assert.deepEqual(await messages([server, quota("compute", { "requests.memory": "48Gi" })]), []);
  });

  it("reads each key Kubernetes enforces: cpu and memory as requests, limits.cpu and limits.memory as limits", async () => {
    const bare = await messages([server, quota("compute", { memory: "47Gi", cpu: "5" })]);
    assert.equal(bare.length, 2);
    assert.match(bare[0] ?? "", /CPU requests .* are 6, over the quota of 5\. Field: spec\.hard\.cpu;/);
    assert.match(
      bare[1] ?? "",
      /memory requests .* are 48Gi, over the quota of 47Gi\. Field: spec\.hard\.memory;/,
    );
    const limited = await messages([
      server,
      quota("compute", { "limits.cpu": "11", "limits.memory": "96Gi" }),
    ]);
    assert.equal(limited.length, 1);
    assert.match(
      limited[0] ?? "",
      /CPU limits .* are 12, over the quota of 11\..*12 = \(2 replicas \+ 1 rollout surge, maxSurge 1\) x 4 per pod/,
    );
  });

  it("uses the autoscaler's maximum, and requests default to limits when unset", async () => {
    const c = container();
    (c.resources as { requests: Obj }).requests = {};
    const w = workload("Deployment", "llm", { replicas: 1, spec: ONE_SURGE, containers: [c] });
    const msgs = await messages([
      w,
      hpa("llm", "llm", 1, 4),
      quota("compute", { "requests.memory": "128Gi" }),
    ]);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /are 160Gi, over the quota of 128Gi\..*\(maxReplicas 4 of HorizontalPodAutoscaler ml\/llm \+ 1 rollout surge, maxSurge 1\) x 32Gi per pod/,
    );
  });

  it("adds StatefulSets, Jobs and Pods without surge, and the lowest unscoped cap decides", async () => {
    const stack = [
      workload("StatefulSet", "trainer", { replicas: 2, labels: labels("trainer", "trainer") }),
      workload("Job", "batch", { parallelism: 3, completions: 6, labels: labels("batch", "batch") }),
      workload("Pod", "debug", { labels: labels("debug", "debug") }),
      quota("big", { "requests.cpu": "100" }),
      quota("small", { "requests.cpu": "11500m" }),
      quota("scoped", { "requests.cpu": "1" }, "ml", { scopes: ["BestEffort"] }),
    ];
    const msgs = await messages(stack);
    assert.equal(msgs.length, 1);
    assert.match(
      msgs[0] ?? "",
      /^ResourceQuota ml\/small: CPU requests at maximum scale in namespace ml, rollout surge included, are 12, over the quota of 11500m\..*StatefulSet ml\/trainer: 4 = 2 replicas x 2 per pod; Job ml\/batch: 6 = parallelism 3 x 2 per pod; Pod ml\/debug: 2 = 1 pod x 2 per pod/,
    );
    assert.deepEqual(await messages(stack.filter((r) => !r.urn.endsWith("/small"))), []);
  });

  it("claims no overrun it cannot compute during preview, and needs no quota", async () => {
    const unknownReplicas = mutate(server, (p) => {
      (p.spec as Obj).replicas = UNKNOWN;
    });
    assert.deepEqual(await messages([unknownReplicas, quota("compute", { "requests.memory": "1Gi" })]), []);
    const unknownResources = mutate(server, (p) => {
      const spec = (p.spec as { template: { spec: { containers: Obj[] } } }).template.spec;
      spec.containers[0].resources = UNKNOWN;
    });
    assert.deepEqual(await messages([unknownResources, quota("compute", { "requests.memory": "1Gi" })]), []);
    assert.deepEqual(await messages([server]), []);
    assert.deepEqual(await messages([server, quota("unknown", UNKNOWN as unknown as Obj)]), []);
  });
});
