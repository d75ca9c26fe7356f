/**
 * Every `@default` a component documents is the default it applies: each literal default in
 * an Args interface's doc comments equals the component's DEFAULTS constant, and every entry of
 * that constant is documented. Descriptive defaults ("the image's entrypoint") are computed by
 * the component and so must not be in the constant.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as ts from "typescript";
import { parse } from "yaml";
import { AUTOSCALING_DEFAULTS } from "../../components/autoscaling";
import { BATCH_INFERENCE_DEFAULTS } from "../../components/batchInference";
import { DISTRIBUTED_TRAINING_DEFAULTS } from "../../components/distributedTraining";
import { GPU_SHARING_DEFAULTS } from "../../components/gpuSharing";
import { GPU_TENANCY_DEFAULTS } from "../../components/gpuTenancy";
import { MLWORKFLOW_DEFAULTS, MLWORKFLOW_DEFINITION_DEFAULTS } from "../../components/mlWorkflow";
import { MODEL_SERVING_DEFAULTS } from "../../components/modelServing";
import { MODEL_MONITORING_DEFAULTS } from "../../components/monitoring";
import { WORKLOAD_PRIORITIES_DEFAULTS } from "../../components/workloadPriorities";
import { WORKLOAD_QUEUE_DEFAULTS } from "../../components/workloadQueue";

const ROOT = path.join(__dirname, "..", "..");

/** Each Args interface (file, name) and the constant holding its literal defaults. */
const DOCUMENTED: readonly (readonly [string, string, Readonly<Record<string, unknown>>])[] = [
  ["components/modelServing/args.ts", "ModelServingArgs", MODEL_SERVING_DEFAULTS],
  ["components/autoscaling/args.ts", "AutoscalingArgs", AUTOSCALING_DEFAULTS],
  ["components/monitoring/args.ts", "ModelMonitoringArgs", MODEL_MONITORING_DEFAULTS],
  ["components/distributedTraining/args.ts", "DistributedTrainingArgs", DISTRIBUTED_TRAINING_DEFAULTS],
  ["components/batchInference/args.ts", "BatchInferenceArgs", BATCH_INFERENCE_DEFAULTS],
  ["components/gpuTenancy/args.ts", "GpuTenancyArgs", GPU_TENANCY_DEFAULTS],
  ["components/gpuSharing.ts", "GpuSharingArgs", GPU_SHARING_DEFAULTS],
  ["components/workloadPriorities.ts", "WorkloadPrioritiesArgs", WORKLOAD_PRIORITIES_DEFAULTS],
  ["components/mlWorkflow/definition.ts", "MLWorkflowDefinitionArgs", MLWORKFLOW_DEFINITION_DEFAULTS],
  ["components/mlWorkflow/workflow.ts", "MLWorkflowArgs", MLWORKFLOW_DEFAULTS],
  ["components/workloadQueue/args.ts", "WorkloadQueueArgs", WORKLOAD_QUEUE_DEFAULTS],
];

interface DocumentedDefault {
  readonly property: string;
  readonly optional: boolean;
  /** The `@default` text, if the property has one. */
  readonly text: string | undefined;
}

/** The properties of an interface, inherited ones included, with their `@default` text. */
function documentedDefaults(program: ts.Program, file: string, interfaceName: string): DocumentedDefault[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, file));
  assert.ok(source !== undefined, `${file} is part of the program`);
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === interfaceName,
  );
  assert.ok(declaration !== undefined, `${file} declares ${interfaceName}`);
  const type = checker.getTypeAtLocation(declaration);
  return checker.getPropertiesOfType(type).map((property) => {
    const tag = property.getJsDocTags(checker).find((candidate) => candidate.name === "default");
    return {
      property: property.name,
      optional: (property.flags & ts.SymbolFlags.Optional) !== 0,
      text: tag === undefined ? undefined : ts.displayPartsToString(tag.text).trim(),
    };
  });
}

/**
 * The value of a literal default (a quoted string, number, boolean, list or map, read as YAML
 * flow syntax), or undefined for a descriptive one.
 */
function literalValue(text: string): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = parse(text) as unknown;
  } catch {
    return undefined;
  }
  const quoted = text.startsWith('"') || text.startsWith("'");
  return typeof value === "string" && !quoted ? undefined : { value };
}

describe("documented defaults", () => {
  const program = ts.createProgram(
    DOCUMENTED.map(([file]) => path.join(ROOT, file)),
    { strict: true, noEmit: true, skipLibCheck: true, types: [] },
  );

  for (const [file, interfaceName, defaults] of DOCUMENTED) {
    it(`${interfaceName}: every @default is the component's default, and every default is documented`, () => {
      const properties = documentedDefaults(program, file, interfaceName);
      const literal = new Map<string, unknown>();
      for (const { property, optional, text } of properties) {
        if (!optional) {
          assert.equal(text, undefined, `${interfaceName}.${property} is required and has no default`);
          continue;
        }
        assert.ok(text !== undefined && text !== "", `${interfaceName}.${property} documents its @default`);
        const parsed = literalValue(text);
        if (parsed === undefined) {
          assert.ok(
            !(property in defaults),
            `${interfaceName}.${property}: its default is computed ("${text}"), so it is not a literal in the defaults`,
          );
        } else {
          literal.set(property, parsed.value);
        }
      }
      for (const [property, value] of literal) {
        assert.ok(
          property in defaults,
          `${interfaceName}.${property}: @default ${JSON.stringify(value)} is in the defaults`,
        );
        assert.deepEqual(
          defaults[property],
          value,
          `${interfaceName}.${property}: @default is the applied default`,
        );
      }
      for (const property of Object.keys(defaults)) {
        assert.ok(
          literal.has(property),
          `${interfaceName}.${property} has a default but documents no literal @default`,
        );
      }
    });
  }

  it("tells literal defaults from descriptive ones", () => {
    assert.deepEqual(literalValue('"4"'), { value: "4" });
    assert.deepEqual(literalValue("1800"), { value: 1800 });
    assert.deepEqual(literalValue('{ release: "prometheus" }'), { value: { release: "prometheus" } });
    assert.deepEqual(literalValue("[42]"), { value: [42] });
    assert.equal(literalValue("the image's entrypoint"), undefined);
    assert.equal(literalValue("true unless keda is true"), undefined);
  });
});
