import { strict as assert } from "node:assert";
import { containerResources, gpuPlacement } from "../../components/lib/gpu";
import { ArgChecker, isDns1123Label, isPinnedImage, ValidationError } from "../../components/lib/validation";
import { resolveArgs } from "../../components/lib/resolve";
import * as pulumi from "@pulumi/pulumi";
import { useMocks, valueOf } from "./harness";

describe("validation helpers", () => {
  before(() => useMocks());

  it("accepts DNS-1123 labels and rejects the rest", () => {
    for (const ok of ["a", "llama-3", "x".repeat(63)]) assert.ok(isDns1123Label(ok), ok);
    for (const bad of ["", "Llama", "-a", "a-", "a_b", "a.b", "x".repeat(64)])
      assert.ok(!isDns1123Label(bad), bad);
  });

  it("accepts only pinned images", () => {
    const pinned = [
      "nginx:1.27",
      "ghcr.io/org/img:v1",
      "localhost:5000/img:1",
      `img@sha256:${"a".repeat(64)}`,
    ];
    for (const image of pinned) assert.ok(isPinnedImage(image), image);
    for (const image of ["nginx", "nginx:latest", "localhost:5000/img", "img@sha256:abc", " img:1", ""]) {
      assert.ok(!isPinnedImage(image), image);
    }
  });

  it("reports every problem in one error naming the owner, property and value", () => {
    const checker = new ArgChecker('ModelServing "m"')
      .wholeNumber("gpus", 1.5, 0)
      .image("image", "nginx:latest")
      .dnsLabel("name", "Bad_Name");
    assert.throws(
      () => {
        checker.throwIfInvalid();
      },
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message.startsWith('ModelServing "m": invalid arguments:') &&
        error.message.includes("gpus must be a whole number at least 0; got 1.5") &&
        error.message.includes(
          "image must be an image pinned by a tag other than 'latest' or by an @sha256 digest; got \"nginx:latest\"",
        ) &&
        error.message.includes("name must be a DNS-1123 label"),
    );
  });

  it("validates plain arguments synchronously and Output arguments once resolved", async () => {
    const validate = (a: { n: number }): void => {
      new ArgChecker("C").wholeNumber("n", a.n, 1).throwIfInvalid();
    };
    assert.throws(() => resolveArgs({ n: 0 }, validate), /n must be a whole number at least 1; got 0/);
    const resolved = resolveArgs({ n: pulumi.output(2) }, validate);
    assert.deepEqual(await valueOf(resolved), { n: 2 });
    const failing = resolveArgs({ n: pulumi.output(0) }, validate);
    // OutputImpl keeps its value in an internal promise; a throwing validation rejects it.
    const internal = failing as unknown as { promise(): Promise<unknown> };
    await assert.rejects(internal.promise(), /n must be a whole number at least 1; got 0/);
  });
});

describe("GPU helpers", () => {
  it("puts the GPU in limits and requests alike, and limits CPU at the request unless told", () => {
    assert.deepEqual(containerResources({ gpus: 2, cpu: "4", memory: "16Gi" }), {
      requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
    });
    assert.deepEqual(containerResources({ gpus: 0, cpu: "1", memory: "1Gi", cpuLimit: "2" }), {
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "2", memory: "1Gi" },
    });
  });

  it("places GPU pods on the configured products and leaves CPU pods alone", () => {
    const placement = gpuPlacement(1, ["NVIDIA-L40S"]);
    assert.deepEqual(placement.tolerations, [
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
    assert.deepEqual(placement.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-L40S"] }],
            },
          ],
        },
      },
    });
    assert.deepEqual(gpuPlacement(0, ["NVIDIA-L40S"]), {});
  });
});
