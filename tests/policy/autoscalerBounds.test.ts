import { strict as assert } from "node:assert";
import { autoscalerBounds } from "../../policy/policies/autoscalerBounds";
import { hpa, scaledObject, workload } from "./fixtures";
import { validateResource } from "./harness";

const PROD = { maxReplicasCap: 50, minReplicas: 2, allowScaleToZero: false };

describe("autoscaler-bounds", () => {
  describe("HorizontalPodAutoscaler", () => {
    it("accepts bounds within the cap and the floor", async () => {
      assert.deepEqual(await validateResource(autoscalerBounds, hpa("llm", "llm", 2, 10), PROD), []);
      assert.deepEqual(await validateResource(autoscalerBounds, hpa("llm", "llm", undefined, 2)), []);
    });

    it("reports maxReplicas above the cap and minReplicas below the prod floor", async () => {
      assert.deepEqual(await validateResource(autoscalerBounds, hpa("llm", "llm", undefined, 64), PROD), [
        `HorizontalPodAutoscaler ml/llm: the maximum replica count is above the cap of 50. Field: spec.maxReplicas; found: 64. Fix: set spec.maxReplicas to at most 50, or raise maxReplicasCap in the autoscaler-bounds config`,
        `HorizontalPodAutoscaler ml/llm: the minimum replica count is below 2. Field: spec.minReplicas; found: not set (defaults to 1). Fix: set spec.minReplicas to at least 2 so one pod failure or a rollout does not take the model offline`,
      ]);
    });

    it("reports a missing maxReplicas and min above max", async () => {
      assert.deepEqual(await validateResource(autoscalerBounds, hpa("a", "a", 3, undefined)), [
        `HorizontalPodAutoscaler ml/a: no maximum replica count. Field: spec.maxReplicas; found: not set. Fix: set spec.maxReplicas to at most 20`,
      ]);
      const msgs = await validateResource(autoscalerBounds, hpa("b", "b", 5, 3));
      assert.deepEqual(msgs, [
        `HorizontalPodAutoscaler ml/b: the minimum replica count is above the maximum. Field: spec.minReplicas; found: 5 (maximum 3). Fix: set spec.minReplicas <= spec.maxReplicas`,
      ]);
    });

    it("also reads autoscaling/v1 HPAs", async () => {
      const v1 = { ...hpa("old", "old", 1, 99), type: "kubernetes:autoscaling/v1:HorizontalPodAutoscaler" };
      assert.equal((await validateResource(autoscalerBounds, v1)).length, 1);
    });
  });

  describe("KEDA ScaledObject", () => {
    it("accepts counts within bounds, and scale to zero where allowed", async () => {
      assert.deepEqual(await validateResource(autoscalerBounds, scaledObject("llm", "llm", 2, 10), PROD), []);
      assert.deepEqual(await validateResource(autoscalerBounds, scaledObject("llm", "llm", 0, 10)), []);
    });

    it("applies KEDA's defaults (min 0, max 100) when the counts are not set", async () => {
      assert.deepEqual(await validateResource(autoscalerBounds, scaledObject("llm", "llm"), PROD), [
        `ScaledObject ml/llm: the maximum replica count is above the cap of 50. Field: spec.maxReplicaCount; found: not set (defaults to 100). Fix: set spec.maxReplicaCount to at most 50, or raise maxReplicasCap in the autoscaler-bounds config`,
        `ScaledObject ml/llm: the minimum replica count is below 2. Field: spec.minReplicaCount; found: not set (defaults to 0). Fix: set spec.minReplicaCount to at least 2 so one pod failure or a rollout does not take the model offline`,
      ]);
    });

    it("reports minReplicaCount 1 in prod", async () => {
      const msgs = await validateResource(autoscalerBounds, scaledObject("llm", "llm", 1, 4), PROD);
      assert.equal(msgs.length, 1);
      assert.match(
        msgs[0] ?? "",
        /^ScaledObject ml\/llm: the minimum replica count is below 2\. Field: spec\.minReplicaCount; found: 1\./,
      );
    });
  });

  it("ignores other kinds", async () => {
    assert.deepEqual(
      await validateResource(autoscalerBounds, workload("Deployment", "w", { replicas: 100 })),
      [],
    );
  });
});
