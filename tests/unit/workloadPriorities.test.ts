import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../../components/lib/validation";
import {
  priorityClassSpecs,
  withWorkloadPrioritiesDefaults,
  WorkloadPriorities,
  type WorkloadPrioritiesArgs,
} from "../../components/workloadPriorities";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

const PRIORITY_CLASS = "kubernetes:scheduling.k8s.io/v1:PriorityClass";

const LABELS = {
  "app.kubernetes.io/name": "workload-priorities",
  "app.kubernetes.io/instance": "ml",
  "app.kubernetes.io/component": "guardrails",
  "app.kubernetes.io/part-of": "k8s-ml-patterns",
  "app.kubernetes.io/managed-by": "pulumi",
};

async function assertRejected(args: WorkloadPrioritiesArgs, problem: string, name = "ml"): Promise<void> {
  resetRegistrations();
  assert.throws(
    () => new WorkloadPriorities(name, args),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(
        error.message,
        `WorkloadPriorities ${JSON.stringify(name)}: invalid arguments: ${problem}`,
      );
      return true;
    },
  );
  assert.deepEqual(await registrations(), []);
}

describe("WorkloadPriorities specs", () => {
  it("ranks serving over training over batch, and only batch never preempts", () => {
    const specs = priorityClassSpecs("ml", withWorkloadPrioritiesDefaults("ml", {}));
    assert.deepEqual(
      [specs.serving, specs.training, specs.batch].map((c) => ({
        metadata: c.metadata,
        value: c.value,
        globalDefault: c.globalDefault,
        preemptionPolicy: c.preemptionPolicy,
      })),
      [
        {
          metadata: { name: "ml-serving", labels: LABELS },
          value: 100000,
          globalDefault: false,
          preemptionPolicy: "PreemptLowerPriority",
        },
        {
          metadata: { name: "ml-training", labels: LABELS },
          value: 50000,
          globalDefault: false,
          preemptionPolicy: "PreemptLowerPriority",
        },
        {
          metadata: { name: "ml-batch", labels: LABELS },
          value: 10000,
          globalDefault: false,
          preemptionPolicy: "Never",
        },
      ],
    );
    for (const c of [specs.serving, specs.training, specs.batch]) assert.ok(c.description.length > 0);
    assert.ok(specs.serving.value > specs.training.value && specs.training.value > specs.batch.value);
  });

  it("takes the prefix and values from the arguments", () => {
    const specs = priorityClassSpecs(
      "ml",
      withWorkloadPrioritiesDefaults("ml", {
        prefix: "prod",
        servingValue: 900,
        trainingValue: 0,
        batchValue: -5,
      }),
    );
    assert.deepEqual(
      [specs.serving, specs.training, specs.batch].map((c) => [c.metadata.name, c.value]),
      [
        ["prod-serving", 900],
        ["prod-training", 0],
        ["prod-batch", -5],
      ],
    );
  });
});

describe("WorkloadPriorities component", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("creates the three PriorityClasses and outputs their names", async () => {
    const priorities = new WorkloadPriorities("ml");
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      "k8sml:index:WorkloadPriorities:ml",
      `${PRIORITY_CLASS}:ml-batch`,
      `${PRIORITY_CLASS}:ml-serving`,
      `${PRIORITY_CLASS}:ml-training`,
    ]);
    const batch = findResource(all, PRIORITY_CLASS, "ml-batch").inputs;
    assert.deepEqual(
      { name: (batch.metadata as { name: string }).name, value: batch.value, policy: batch.preemptionPolicy },
      { name: "ml-batch", value: 10000, policy: "Never" },
    );
    const serving = findResource(all, PRIORITY_CLASS, "ml-serving").inputs;
    assert.equal(serving.value, 100000);
    assert.equal(serving.globalDefault, false);
    assert.equal(serving.preemptionPolicy, "PreemptLowerPriority");

    assert.equal(await valueOf(priorities.servingClassName), "ml-serving");
    assert.equal(await valueOf(priorities.trainingClassName), "ml-training");
    assert.equal(await valueOf(priorities.batchClassName), "ml-batch");
  });

  it("accepts Outputs", async () => {
    const priorities = new WorkloadPriorities("ml", {
      prefix: pulumi.output("team-a"),
      servingValue: pulumi.output(200000),
    });
    const all = await registrations();
    assert.equal(findResource(all, PRIORITY_CLASS, "ml-serving").inputs.value, 200000);
    assert.equal(await valueOf(priorities.servingClassName), "team-a-serving");
  });

  describe("rejects invalid arguments before registering anything", () => {
    const dns = (max: number): string =>
      `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${max} characters)`;
    const range = "a whole number between -2147483648 and 999999999";
    const ranked = "so that serving outranks training and training outranks batch";
    const cases: [string, WorkloadPrioritiesArgs, string, string?][] = [
      ["a bad component name", {}, `name must be ${dns(63)}; got "ML"`, "ML"],
      ["a bad prefix", { prefix: "Prod" }, `prefix must be ${dns(54)}; got "Prod"`],
      ["a prefix too long", { prefix: "p".repeat(55) }, `prefix must be ${dns(54)}; got "${"p".repeat(55)}"`],
      [
        "a reserved prefix",
        { prefix: "system" },
        'prefix must be a prefix that does not start with "system"; got "system"',
      ],
      [
        "a reserved component name used as prefix",
        {},
        'prefix must be a prefix that does not start with "system"; got "system-ml"',
        "system-ml",
      ],
      [
        "a value in the system range",
        { servingValue: 1_000_000_000 },
        `servingValue must be ${range}; got 1000000000`,
      ],
      ["a fractional value", { trainingValue: 2.5 }, `trainingValue must be ${range}; got 2.5`],
      [
        "a value below 32 bits",
        { batchValue: -2_147_483_649 },
        `batchValue must be ${range}; got -2147483649`,
      ],
      [
        "training equal to serving",
        { servingValue: 500, trainingValue: 500, batchValue: 1 },
        `trainingValue must be below servingValue (500), ${ranked}; got 500`,
      ],
      [
        "batch above training",
        { batchValue: 60000 },
        `batchValue must be below trainingValue (50000), ${ranked}; got 60000`,
      ],
    ];
    for (const [what, args, problem, name] of cases) {
      it(what, () => assertRejected(args, problem, name));
    }
  });
});
