import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../../components/lib/validation";
import {
  isTrainingDataUri,
  MLWORKFLOW_CEL_RULES,
  MLWORKFLOW_DEFINITION_TYPE,
  MLWORKFLOW_LIMITS,
  MLWorkflow,
  type MLWorkflowArgs,
  MLWorkflowDefinition,
  mlWorkflowCrd,
  mlWorkflowOptions,
  mlWorkflowPrinterColumns,
  mlWorkflowSchema,
} from "../../components/mlWorkflow";
import { captureOptions } from "./captureOptions";
import { findResource, registrations, resetRegistrations, useMocks, valueOf } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */

/** A JSON schema node as plain data, for walking the generated schema. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  [key: string]: unknown;
}

const schema = mlWorkflowSchema() as Schema;

function at(path: string): Schema {
  let node = schema;
  for (const key of path.split(".")) {
    const next = node.properties?.[key];
    assert.ok(next, `schema has no ${path}`);
    node = next;
  }
  return node;
}

const HYPERPARAMETERS = { learningRate: 0.0003, batchSize: 256, epochs: 3 };

describe("MLWorkflow CRD schema", () => {
  it("is structural: every node has a type, objects declare their fields, arrays their items", () => {
    const problems: string[] = [];
    const walk = (node: Schema, path: string): void => {
      if (typeof node.type !== "string") problems.push(`${path} has no type`);
      if ("x_kubernetes_preserve_unknown_fields" in node) problems.push(`${path} preserves unknown fields`);
      if (node.type === "object") {
        const declares = node.properties !== undefined || typeof node.additionalProperties === "object";
        // metadata is the one object a structural schema may leave to the API server.
        if (!declares && path !== "$.metadata") problems.push(`${path} declares no properties`);
        if (node.properties !== undefined && node.additionalProperties !== undefined) {
          problems.push(`${path} has both properties and additionalProperties`);
        }
      }
      if (node.type === "array" && node.items === undefined) problems.push(`${path} has no items`);
      for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`);
      if (typeof node.additionalProperties === "object") walk(node.additionalProperties, `${path}.*`);
      if (node.items !== undefined) walk(node.items, `${path}[]`);
    };
    walk(schema, "$");
    assert.deepEqual(problems, []);
  });

  it("requires spec, its three fields and the three core hyperparameters", () => {
    assert.deepEqual(schema.required, ["spec"]);
    assert.deepEqual(at("spec").required, ["modelName", "trainingData", "hyperparameters"]);
    assert.deepEqual(at("spec.hyperparameters").required, ["learningRate", "batchSize", "epochs"]);
  });

  it("takes its bounds from the shared limits", () => {
    assert.equal(at("spec.modelName").pattern, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    assert.equal(at("spec.modelName").maxLength, 63);
    assert.equal(at("spec.trainingData").maxLength, MLWORKFLOW_LIMITS.trainingData.maxLength);
    assert.deepEqual(
      [at("spec.hyperparameters.learningRate").type, at("spec.hyperparameters.learningRate").minimum],
      ["number", 0],
    );
    assert.equal(at("spec.hyperparameters.learningRate").exclusiveMinimum, true);
    assert.equal(at("spec.hyperparameters.learningRate").maximum, 1);
    assert.deepEqual(
      [at("spec.hyperparameters.batchSize").type, at("spec.hyperparameters.batchSize").minimum],
      ["integer", 1],
    );
    assert.deepEqual(
      [at("spec.hyperparameters.epochs").type, at("spec.hyperparameters.epochs").minimum],
      ["integer", 1],
    );
    assert.deepEqual(at("spec.hyperparameters.extra").additionalProperties, {
      type: "string",
      maxLength: 1024,
    });
    assert.deepEqual(
      [at("spec.gpus").type, at("spec.gpus").minimum, at("spec.gpus").default],
      ["integer", 0, 0],
    );
  });

  it("carries the CEL rules for divisibility, immutability and the data scheme", () => {
    assert.deepEqual(at("spec").x_kubernetes_validations, [
      {
        rule: "!has(self.gpus) || self.gpus == 0 || self.hyperparameters.batchSize % self.gpus == 0",
        message:
          "hyperparameters.batchSize must be divisible by gpus, so that every GPU gets an equal share of a batch",
        fieldPath: ".hyperparameters.batchSize",
        reason: "FieldValueInvalid",
      },
    ]);
    assert.deepEqual(at("spec.modelName").x_kubernetes_validations, [
      {
        rule: "self == oldSelf",
        message: "modelName is immutable; create a new MLWorkflow to train another model",
      },
    ]);
    assert.deepEqual(at("spec.trainingData").x_kubernetes_validations, [
      MLWORKFLOW_CEL_RULES.trainingDataScheme,
    ]);
    assert.equal(
      MLWORKFLOW_CEL_RULES.trainingDataScheme.rule,
      "['s3://', 'gs://', 'pvc://', 'https://'].exists(p, self.startsWith(p) && size(self) > size(p)) && !self.contains(' ')",
    );
  });

  it("has a status with a phase and metav1.Condition conditions keyed by type", () => {
    assert.deepEqual(at("status.phase").enum, ["Pending", "Running", "Succeeded", "Failed"]);
    const conditions = at("status.conditions");
    assert.equal(conditions.type, "array");
    assert.equal(conditions.x_kubernetes_list_type, "map");
    assert.deepEqual(conditions.x_kubernetes_list_map_keys, ["type"]);
    const condition = conditions.items as Schema;
    assert.deepEqual(condition.required, ["type", "status", "lastTransitionTime", "reason", "message"]);
    assert.deepEqual(Object.keys(condition.properties ?? {}).sort(), [
      "lastTransitionTime",
      "message",
      "observedGeneration",
      "reason",
      "status",
      "type",
    ]);
    const fields = condition.properties ?? {};
    assert.deepEqual(fields.status, { type: "string", enum: ["True", "False", "Unknown"] });
    assert.deepEqual(fields.lastTransitionTime, { type: "string", format: "date-time" });
  });

  it("defines a namespaced v1 kind, served and stored, with a status subresource and printer columns", () => {
    const crd = mlWorkflowCrd("wf");
    const spec = crd.spec as any;
    assert.equal(crd.metadata.name, "mlworkflows.ai.example.com");
    assert.equal(spec.group, "ai.example.com");
    assert.equal(spec.scope, "Namespaced");
    assert.deepEqual(spec.names, {
      kind: "MLWorkflow",
      listKind: "MLWorkflowList",
      plural: "mlworkflows",
      singular: "mlworkflow",
      shortNames: ["mlwf"],
      categories: ["ml"],
    });
    assert.equal(spec.versions.length, 1);
    const [v1] = spec.versions;
    assert.deepEqual([v1.name, v1.served, v1.storage], ["v1", true, true]);
    assert.deepEqual(v1.subresources, { status: {} });
    assert.deepEqual(v1.schema, { openAPIV3Schema: mlWorkflowSchema() });
    assert.deepEqual(v1.additionalPrinterColumns, mlWorkflowPrinterColumns());
    assert.deepEqual(mlWorkflowPrinterColumns(), [
      { name: "Model", type: "string", jsonPath: ".spec.modelName" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "GPUs", type: "integer", jsonPath: ".spec.gpus" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
  });
});

describe("MLWorkflow client-side rules", () => {
  it("accepts the same training data URIs as the CRD's rule", () => {
    for (const ok of ["s3://bucket/key", "gs://b", "pvc://claim/path", "https://host/data.tar"]) {
      assert.ok(isTrainingDataUri(ok), ok);
    }
    for (const bad of ["s3://", "http://host/x", "ftp://x", "s3:/bucket", "s3://a b", "bucket/key", ""]) {
      assert.ok(!isTrainingDataUri(bad), bad);
    }
    assert.ok(!isTrainingDataUri(`s3://${"x".repeat(2044)}`));
  });
});

describe("MLWorkflow components", () => {
  before(() => useMocks());
  beforeEach(resetRegistrations);

  it("depends on the definition and keeps the caller's options", () => {
    const definition = new pulumi.ComponentResource("test:index:Definition", "def");
    const other = new pulumi.ComponentResource("test:index:Other", "other");
    const merged = mlWorkflowOptions(definition, { dependsOn: [other], protect: true });
    assert.deepEqual(merged.dependsOn, [other, definition]);
    assert.equal(merged.protect, true);
    assert.equal(merged.deleteBeforeReplace, true);
    assert.deepEqual(merged.replaceOnChanges, ["spec.modelName"]);
  });

  it("MLWorkflowDefinition registers the CRD and outputs its name", async () => {
    const capture = captureOptions("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    const definition = new MLWorkflowDefinition(
      "workflows",
      { retainOnDelete: true },
      {
        transformations: capture.transformations,
      },
    );
    const all = await registrations();
    assert.deepEqual(all.map((r) => `${r.type}:${r.name}`).sort(), [
      `${MLWORKFLOW_DEFINITION_TYPE}:workflows`,
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition:workflows-crd",
    ]);
    const crd = findResource(
      all,
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
      "workflows-crd",
    ).inputs as any;
    assert.equal(crd.metadata.name, "mlworkflows.ai.example.com");
    assert.equal(
      crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.modelName.pattern,
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    );
    assert.equal(await valueOf(definition.crdName), "mlworkflows.ai.example.com");
    assert.equal(capture.options().retainOnDelete, true);
  });

  it("MLWorkflow creates an ai.example.com/v1 object with the spec, after the CRD", async () => {
    const definition = new MLWorkflowDefinition("workflows");
    const capture = captureOptions("kubernetes:ai.example.com/v1:MLWorkflow");
    const workflow = new MLWorkflow(
      "llama-finetune",
      {
        definition,
        namespace: "ml-prod",
        modelName: "llama-3-8b",
        trainingData: "s3://datasets/chat",
        hyperparameters: { ...HYPERPARAMETERS, extra: { warmupSteps: "100" } },
        gpus: 8,
      },
      { transformations: capture.transformations },
    );
    const all = await registrations();
    const object = findResource(all, "kubernetes:ai.example.com/v1:MLWorkflow", "llama-finetune")
      .inputs as any;
    assert.equal(object.apiVersion, "ai.example.com/v1");
    assert.equal(object.kind, "MLWorkflow");
    assert.equal(object.metadata.name, "llama-finetune");
    assert.equal(object.metadata.namespace, "ml-prod");
    assert.equal(object.metadata.labels["app.kubernetes.io/component"], "workflow");
    const spec = {
      modelName: "llama-3-8b",
      trainingData: "s3://datasets/chat",
      hyperparameters: { ...HYPERPARAMETERS, extra: { warmupSteps: "100" } },
      gpus: 8,
    };
    assert.deepEqual(object.spec, spec);
    assert.deepEqual(await valueOf(workflow.spec), spec);
    assert.equal(await valueOf(workflow.kind), "MLWorkflow");

    const opts = capture.options();
    assert.ok((opts.dependsOn as pulumi.Resource[]).includes(definition));
    assert.deepEqual(opts.replaceOnChanges, ["spec.modelName"]);
    assert.equal(opts.deleteBeforeReplace, true);
  });

  it("MLWorkflow defaults gpus to 0 and accepts Output arguments", async () => {
    const definition = new MLWorkflowDefinition("defs");
    new MLWorkflow("cpu-run", {
      definition,
      namespace: "ml-dev",
      modelName: pulumi.output("tiny"),
      trainingData: "pvc://data/train",
      hyperparameters: HYPERPARAMETERS,
    });
    const all = await registrations();
    const object = findResource(all, "kubernetes:ai.example.com/v1:MLWorkflow", "cpu-run").inputs as any;
    assert.deepEqual(object.spec, {
      modelName: "tiny",
      trainingData: "pvc://data/train",
      hyperparameters: HYPERPARAMETERS,
      gpus: 0,
    });
  });
});

describe("MLWorkflow validation", () => {
  let ARGS: MLWorkflowArgs;
  before(async () => {
    await useMocks();
    ARGS = {
      definition: new pulumi.ComponentResource("test:index:Definition", "validation-def"),
      namespace: "ml-prod",
      modelName: "llama-3-8b",
      trainingData: "s3://datasets/chat",
      hyperparameters: HYPERPARAMETERS,
      gpus: 8,
    };
  });
  const prefix = 'MLWorkflow "wf": invalid arguments: ';
  const hp = (overrides: Partial<typeof HYPERPARAMETERS & { extra: Record<string, string> }>) => ({
    hyperparameters: { ...HYPERPARAMETERS, ...overrides },
  });
  const cases: [string, Partial<MLWorkflowArgs>, string][] = [
    [
      "a model name that is no DNS-1123 label",
      { modelName: "Llama_3" },
      `modelName must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most 63 characters; got "Llama_3"`,
    ],
    [
      "training data over plain http",
      { trainingData: "http://example.com/data" },
      `trainingData must be a URI starting with s3://, gs://, pvc://, https:// followed by a location, without spaces, of at most 2048 characters; got "http://example.com/data"`,
    ],
    [
      "a learning rate of 0",
      hp({ learningRate: 0 }),
      "hyperparameters.learningRate must be a number greater than 0 and at most 1; got 0",
    ],
    [
      "a learning rate above 1",
      hp({ learningRate: 1.5 }),
      "hyperparameters.learningRate must be a number greater than 0 and at most 1; got 1.5",
    ],
    [
      "a batch size of 0",
      { ...hp({ batchSize: 0 }), gpus: 0 },
      "hyperparameters.batchSize must be a whole number between 1 and 1048576; got 0",
    ],
    [
      "a fractional batch size",
      { ...hp({ batchSize: 2.5 }), gpus: 0 },
      "hyperparameters.batchSize must be a whole number between 1 and 1048576; got 2.5",
    ],
    [
      "a batch size not divisible by the GPUs",
      hp({ batchSize: 100 }),
      "hyperparameters.batchSize must be divisible by gpus, so that every GPU gets an equal share of a batch (8); got 100",
    ],
    [
      "zero epochs",
      hp({ epochs: 0 }),
      "hyperparameters.epochs must be a whole number between 1 and 100000; got 0",
    ],
    ["negative GPUs", { gpus: -1 }, "gpus must be a whole number between 0 and 1024; got -1"],
    ["fractional GPUs", { gpus: 0.5 }, "gpus must be a whole number between 0 and 1024; got 0.5"],
    [
      "an invalid namespace",
      { namespace: "ML" },
      `namespace must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "ML"`,
    ],
    [
      "too long an extra value",
      hp({ extra: { notes: "x".repeat(1025) } }),
      'hyperparameters.extra must be a map of strings of at most 1024 characters; got ["notes"]',
    ],
    [
      "too many extra entries",
      hp({ extra: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }),
      "hyperparameters.extra must be at most 32 entries; got 33",
    ],
  ];

  for (const [title, overrides, message] of cases) {
    it(`rejects ${title}`, () => {
      assert.throws(
        () => new MLWorkflow("wf", { ...ARGS, ...overrides }),
        (error: unknown) => error instanceof ValidationError && error.message === prefix + message,
      );
    });
  }

  it("rejects an object name that is no DNS-1123 label", () => {
    assert.throws(
      () => new MLWorkflow("LLaMA", ARGS),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          `MLWorkflow "LLaMA": invalid arguments: name must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters); got "LLaMA"`,
    );
  });

  it("rejects a non-boolean retainOnDelete on the definition", () => {
    const retainOnDelete = "yes" as unknown as boolean;
    assert.throws(
      () => new MLWorkflowDefinition("defs", { retainOnDelete }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          'MLWorkflowDefinition "defs": invalid arguments: retainOnDelete must be true or false; got "yes"',
    );
  });
});
