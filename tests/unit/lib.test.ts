import { strict as assert } from "node:assert";
import { containerResources, gpuPlacement } from "../../components/lib/gpu";
import {
  ArgChecker,
  isDns1035Label,
  isDns1123Label,
  isLabelValue,
  isPinnedImage,
  ValidationError,
} from "../../components/lib/validation";
import { fieldsOf, resolveArgs, resolveSettings } from "../../components/lib/resolve";
import * as pulumi from "@pulumi/pulumi";
import { useMocks, valueOf } from "./harness";

describe("validation helpers", () => {
  before(() => useMocks());

  it("accepts DNS-1123 labels and rejects the rest", () => {
    for (const ok of ["a", "llama-3", "x".repeat(63)]) assert.ok(isDns1123Label(ok), ok);
    for (const bad of ["", "Llama", "-a", "a-", "a_b", "a.b", "x".repeat(64)])
      assert.ok(!isDns1123Label(bad), bad);
  });

  it("accepts DNS-1035 labels (no leading digit) and label values", () => {
    for (const ok of ["a", "llama-3", "x".repeat(63)]) assert.ok(isDns1035Label(ok), ok);
    for (const bad of ["", "1st", "Llama", "a-", "a.b", "x".repeat(64)]) assert.ok(!isDns1035Label(bad), bad);
    for (const ok of ["", "NVIDIA-B200", "Tesla-T4", "a_b.c", "9", "x".repeat(63)])
      assert.ok(isLabelValue(ok), ok);
    for (const bad of ["NVIDIA H100", "-A100", "A100-", "_a", "a/b", "x".repeat(64)])
      assert.ok(!isLabelValue(bad), bad);
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

  const problems = (checker: ArgChecker): string[] => {
    try {
      checker.throwIfInvalid();
      return [];
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.message
        .replace(/^C: invalid arguments:\s*/, "")
        .split("\n")
        .map((line) => line.replace(/^\s*- /, ""));
    }
  };
  const subdomain = "(a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters)";

  it("skips undefined in every check, as for an optional argument left out", () => {
    const checker = new ArgChecker("C")
      .dnsSubdomain("a", undefined)
      .boolean("b", undefined)
      .quantity("c", undefined)
      .positiveQuantity("d", undefined)
      .sharedMemoryBelow("e", undefined, "memory", "1Gi")
      .sharedMemoryBelow("e", "1Gi", "memory", undefined)
      .gpuProducts("f", undefined);
    assert.deepEqual(problems(checker), []);
  });

  it("checks DNS-1123 subdomains, naming what the value names", () => {
    const checker = new ArgChecker("C")
      .dnsSubdomain("ok", "a.b-c")
      .dnsSubdomain("plain", "A")
      .dnsSubdomain("named", "a..b", "a Secret name")
      .dnsSubdomain("long", `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}`)
      .dnsSubdomain("number", 5);
    assert.deepEqual(problems(checker), [
      `plain must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters); got "A"`,
      `named must be a Secret name ${subdomain}; got "a..b"`,
      `long must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters); got "${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}"`,
      "number must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters); got 5",
    ]);
  });

  it("checks booleans and quantities, zero and negative ones only where positive is asked", () => {
    const checker = new ArgChecker("C")
      .boolean("flag", false)
      .boolean("yes", "yes")
      .quantity("zero", "0")
      .quantity("negative", "-1")
      .quantity("spaced", "16 Gi")
      .positiveQuantity("cpu", "500m")
      .positiveQuantity("none", "0")
      .positiveQuantity("below", "-2Gi")
      .positiveQuantity("unit", "1GB");
    const positive = 'a positive Kubernetes quantity such as "500m", "4" or "16Gi"';
    assert.deepEqual(problems(checker), [
      'yes must be true or false; got "yes"',
      'spaced must be a Kubernetes quantity such as "500m", "4" or "16Gi"; got "16 Gi"',
      `none must be ${positive}; got "0"`,
      `below must be ${positive}; got "-2Gi"`,
      `unit must be ${positive}; got "1GB"`,
    ]);
  });

  it("keeps /dev/shm below memory, comparing quantities rather than text", () => {
    const checker = new ArgChecker("C")
      .sharedMemoryBelow("shm", "1023Mi", "memory", "1Gi")
      .sharedMemoryBelow("shm", "1Gi", "memory", "1024Mi")
      .sharedMemoryBelow("shmSizeLimit", "2G", "memory", "1Gi")
      .sharedMemoryBelow("shm", "lots", "memory", "1Gi")
      .sharedMemoryBelow("shm", "1Gi", "memory", "lots");
    assert.deepEqual(problems(checker), [
      'shm must be less than memory (1024Mi), because /dev/shm is charged against the memory limit; got "1Gi"',
      'shmSizeLimit must be less than memory (1Gi), because /dev/shm is charged against the memory limit; got "2G"',
    ]);
  });

  it("accepts any GPU product that is a label value and lists the others", () => {
    const checker = new ArgChecker("C")
      .gpuProducts("known", ["NVIDIA-H100-80GB-HBM3", "Tesla-T4"])
      .gpuProducts("newer", ["NVIDIA-B200", "NVIDIA-GB300"])
      .gpuProducts("none", [])
      .gpuProducts("bad", ["NVIDIA-L4", "NVIDIA H100", "x".repeat(64), 7]);
    assert.deepEqual(problems(checker), [
      `bad must be a list of nvidia.com/gpu.product label values (each at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit); got ["NVIDIA H100","${"x".repeat(64)}",7]`,
    ]);
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

describe("resolveSettings and fieldsOf", () => {
  before(() => useMocks());
  interface Args {
    readonly name: pulumi.Input<string>;
    readonly replicas?: pulumi.Input<number>;
  }
  interface Settings {
    readonly name: string;
    readonly replicas: number;
  }
  const withDefaults = (a: pulumi.Unwrap<Args>): Settings => ({ name: a.name, replicas: a.replicas ?? 1 });
  const positive = (a: pulumi.Unwrap<Args>): void => {
    if ((a.replicas ?? 1) < 1) throw new Error(`replicas must be at least 1; got ${String(a.replicas)}`);
  };
  const build = (s: Settings) => ({ metadata: { name: s.name }, spec: { replicas: s.replicas }, extra: 1 });

  it("validates plain arguments at once, so bad values throw from the constructor", async () => {
    const bad: Args = { name: "a", replicas: 0 };
    assert.throws(() => resolveSettings(bad, positive, withDefaults), /at least 1; got 0/);
    const good: Args = { name: "a" };
    assert.deepEqual(await valueOf(resolveSettings(good, positive, withDefaults)), {
      name: "a",
      replicas: 1,
    });
  });

  it("validates and defaults arguments holding Outputs once they resolve", async () => {
    const args: Args = { name: pulumi.output("b"), replicas: pulumi.output(3) };
    assert.deepEqual(await valueOf(resolveSettings(args, positive, withDefaults)), {
      name: "b",
      replicas: 3,
    });
  });

  it("gives one Output per requested field of what the builder returns", async () => {
    const fields = fieldsOf(pulumi.output<Settings>({ name: "c", replicas: 2 }), build, ["metadata", "spec"]);
    assert.deepEqual(Object.keys(fields).sort(), ["metadata", "spec"]);
    assert.deepEqual(await valueOf(fields.metadata), { name: "c" });
    assert.deepEqual(await valueOf(fields.spec), { replicas: 2 });
  });
});
