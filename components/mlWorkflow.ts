/**
 * MLWorkflow: the `mlworkflows.ai.example.com` CustomResourceDefinition, and a typed class for
 * creating MLWorkflow objects.
 *
 * The limits live once, in MLWORKFLOW_LIMITS: the CRD's OpenAPI schema and CEL rules are built
 * from them, and the same limits check MLWorkflow arguments before anything is sent, so a bad
 * workflow fails `pulumi preview` with a clear message instead of an API server rejection.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { ComponentRoles } from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { type Resolved, resolveArgs } from "./lib/resolve";
import { ArgChecker } from "./lib/validation";

export const MLWORKFLOW_DEFINITION_TYPE = `${PACKAGE}:workflow:MLWorkflowDefinition`;

export const MLWORKFLOW_GROUP = "ai.example.com";
export const MLWORKFLOW_VERSION = "v1";
export const MLWORKFLOW_API_VERSION = `${MLWORKFLOW_GROUP}/${MLWORKFLOW_VERSION}`;
export const MLWORKFLOW_KIND = "MLWorkflow";
export const MLWORKFLOW_PLURAL = "mlworkflows";
export const MLWORKFLOW_SINGULAR = "mlworkflow";
export const MLWORKFLOW_CRD_NAME = `${MLWORKFLOW_PLURAL}.${MLWORKFLOW_GROUP}`;

/** The phases a workflow controller reports in `.status.phase`. */
export const MLWORKFLOW_PHASES: readonly string[] = ["Pending", "Running", "Succeeded", "Failed"];

/** Every limit of an MLWorkflow spec, shared by the CRD schema and the client-side checks. */
export const MLWORKFLOW_LIMITS = {
  modelName: { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
  trainingData: { schemes: ["s3", "gs", "pvc", "https"], maxLength: 2048 },
  learningRate: { exclusiveMinimum: 0, maximum: 1 },
  batchSize: { minimum: 1, maximum: 1_048_576 },
  epochs: { minimum: 1, maximum: 100_000 },
  gpus: { minimum: 0, maximum: 1024 },
  extra: { maxProperties: 32, maxValueLength: 1024 },
} as const;

const SCHEME_PREFIXES = MLWORKFLOW_LIMITS.trainingData.schemes.map((scheme) => `${scheme}://`);

/** What the messages say is allowed; the CRD's CEL messages use the same words. */
const ALLOWED = {
  modelName: `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most ${MLWORKFLOW_LIMITS.modelName.maxLength} characters`,
  trainingData: `a URI starting with ${SCHEME_PREFIXES.join(", ")} followed by a location, without spaces, of at most ${MLWORKFLOW_LIMITS.trainingData.maxLength} characters`,
  learningRate: `a number greater than ${MLWORKFLOW_LIMITS.learningRate.exclusiveMinimum} and at most ${MLWORKFLOW_LIMITS.learningRate.maximum}`,
  divisible: "divisible by gpus, so that every GPU gets an equal share of a batch",
} as const;

/** The CEL rules of the CRD (x-kubernetes-validations), by what they enforce. */
export const MLWORKFLOW_CEL_RULES = {
  /** On spec: a data-parallel run splits each batch evenly across the GPUs. */
  batchSizeDivisibleByGpus: {
    rule: "!has(self.gpus) || self.gpus == 0 || self.hyperparameters.batchSize % self.gpus == 0",
    message: `hyperparameters.batchSize must be ${ALLOWED.divisible}`,
    fieldPath: ".hyperparameters.batchSize",
    reason: "FieldValueInvalid",
  },
  /** On spec.modelName: a transition rule, checked on update only. */
  modelNameImmutable: {
    rule: "self == oldSelf",
    message: "modelName is immutable; create a new MLWorkflow to train another model",
  },
  /** On spec.trainingData. */
  trainingDataScheme: {
    rule: `[${SCHEME_PREFIXES.map((p) => `'${p}'`).join(", ")}].exists(p, self.startsWith(p) && size(self) > size(p)) && !self.contains(' ')`,
    message: `trainingData must be ${ALLOWED.trainingData}`,
  },
} as const;

type JSONSchemaProps = k8s.types.input.apiextensions.v1.JSONSchemaProps;

/** metav1.Condition, as `kubectl explain` and condition helpers expect it. */
function conditionSchema(): JSONSchemaProps {
  return {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: {
        type: "string",
        maxLength: 316,
        pattern:
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      observedGeneration: { type: "integer", format: "int64", minimum: 0 },
      lastTransitionTime: { type: "string", format: "date-time" },
      reason: {
        type: "string",
        minLength: 1,
        maxLength: 1024,
        pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      },
      message: { type: "string", maxLength: 32768 },
    },
  };
}

/** The structural OpenAPI v3 schema of MLWorkflow v1. */
export function mlWorkflowSchema(): JSONSchemaProps {
  const limits = MLWORKFLOW_LIMITS;
  return {
    type: "object",
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: {
        type: "object",
        description: "The model to train, on what data, with which hyperparameters and how many GPUs.",
        required: ["modelName", "trainingData", "hyperparameters"],
        properties: {
          modelName: {
            type: "string",
            description: "Name of the model to train (a DNS-1123 label); immutable.",
            minLength: 1,
            maxLength: limits.modelName.maxLength,
            pattern: limits.modelName.pattern,
            x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.modelNameImmutable],
          },
          trainingData: {
            type: "string",
            description: `Location of the training data: ${SCHEME_PREFIXES.join(", ")}.`,
            minLength: 1,
            maxLength: limits.trainingData.maxLength,
            x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.trainingDataScheme],
          },
          hyperparameters: {
            type: "object",
            required: ["learningRate", "batchSize", "epochs"],
            properties: {
              learningRate: {
                type: "number",
                minimum: limits.learningRate.exclusiveMinimum,
                exclusiveMinimum: true,
                maximum: limits.learningRate.maximum,
              },
              batchSize: {
                type: "integer",
                description: "Global batch size, split evenly across the GPUs.",
                minimum: limits.batchSize.minimum,
                maximum: limits.batchSize.maximum,
              },
              epochs: { type: "integer", minimum: limits.epochs.minimum, maximum: limits.epochs.maximum },
              extra: {
                type: "object",
                description: "Further hyperparameters for the training code, as strings.",
                maxProperties: limits.extra.maxProperties,
                additionalProperties: { type: "string", maxLength: limits.extra.maxValueLength },
              },
            },
          },
          gpus: {
            type: "integer",
            description: "GPUs for the training run; 0 trains on CPU.",
            minimum: limits.gpus.minimum,
            maximum: limits.gpus.maximum,
            default: 0,
          },
        },
        x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.batchSizeDivisibleByGpus],
      },
      status: {
        type: "object",
        properties: {
          phase: { type: "string", enum: [...MLWORKFLOW_PHASES] },
          observedGeneration: { type: "integer", format: "int64", minimum: 0 },
          conditions: {
            type: "array",
            maxItems: 32,
            items: conditionSchema(),
            x_kubernetes_list_type: "map",
            x_kubernetes_list_map_keys: ["type"],
          },
        },
      },
    },
  };
}

/** `kubectl get mlworkflows` columns. */
export function mlWorkflowPrinterColumns(): k8s.types.input.apiextensions.v1.CustomResourceColumnDefinition[] {
  return [
    { name: "Model", type: "string", jsonPath: ".spec.modelName" },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "GPUs", type: "integer", jsonPath: ".spec.gpus" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
}

/** The CustomResourceDefinition; `instance` is the owning component's name (for labels). */
export function mlWorkflowCrd(instance: string): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec;
} {
  return {
    metadata: {
      name: MLWORKFLOW_CRD_NAME,
      labels: standardLabels(MLWORKFLOW_SINGULAR, instance, ComponentRoles.workflow),
    },
    spec: {
      group: MLWORKFLOW_GROUP,
      scope: "Namespaced",
      names: {
        kind: MLWORKFLOW_KIND,
        listKind: `${MLWORKFLOW_KIND}List`,
        plural: MLWORKFLOW_PLURAL,
        singular: MLWORKFLOW_SINGULAR,
        shortNames: ["mlwf"],
        categories: ["ml"],
      },
      versions: [
        {
          name: MLWORKFLOW_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: mlWorkflowSchema() },
          // Controllers write status through its own endpoint; users cannot set it with the spec.
          subresources: { status: {} },
          additionalPrinterColumns: mlWorkflowPrinterColumns(),
        },
      ],
    },
  };
}

export interface MLWorkflowDefinitionArgs {
  /**
   * Leave the CRD in the cluster when the stack deletes it. Deleting a CRD deletes every
   * MLWorkflow in every namespace, including other stacks'. Must be known when the component is
   * constructed. @default false
   */
  readonly retainOnDelete?: boolean;
}

/**
 * Installs the MLWorkflow CustomResourceDefinition. CRDs are cluster-wide: install it from one
 * stack per cluster, and pass it (or `CustomResourceDefinition.get`) to the MLWorkflows of others.
 */
export class MLWorkflowDefinition extends pulumi.ComponentResource {
  public readonly crd: apiextensions.v1.CustomResourceDefinition;

  /** `mlworkflows.ai.example.com`. */
  public readonly crdName: pulumi.Output<string>;

  constructor(name: string, args: MLWorkflowDefinitionArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    new ArgChecker(`MLWorkflowDefinition "${name}"`)
      .check(
        args.retainOnDelete === undefined || typeof args.retainOnDelete === "boolean",
        "retainOnDelete",
        args.retainOnDelete,
        "true or false",
      )
      .throwIfInvalid();
    super(MLWORKFLOW_DEFINITION_TYPE, name, {}, opts);
    const crd = mlWorkflowCrd(name);
    this.crd = new apiextensions.v1.CustomResourceDefinition(`${name}-crd`, crd, {
      parent: this,
      // The name is fixed by the API group; a replacement must delete the old CRD first.
      deleteBeforeReplace: true,
      retainOnDelete: args.retainOnDelete ?? false,
    });
    this.crdName = this.crd.metadata.name;
    this.registerOutputs({ crdName: this.crdName });
  }
}

export interface MLWorkflowHyperparameters {
  /** Learning rate, in (0, 1]. */
  readonly learningRate: pulumi.Input<number>;
  /** Global batch size, a whole number ≥ 1, divisible by `gpus` when GPUs are used. */
  readonly batchSize: pulumi.Input<number>;
  /** Passes over the training data, a whole number ≥ 1. */
  readonly epochs: pulumi.Input<number>;
  /** Further hyperparameters for the training code. @default none */
  readonly extra?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface MLWorkflowArgs {
  /**
   * The CRD this object depends on: the MLWorkflowDefinition, or the CustomResourceDefinition
   * itself (e.g. from `CustomResourceDefinition.get` when another stack installs it). Must be
   * known when the resource is constructed.
   */
  readonly definition: pulumi.Resource;
  /** Namespace of the workflow. */
  readonly namespace: pulumi.Input<string>;
  /** Model to train, a DNS-1123 label; changing it replaces the workflow. */
  readonly modelName: pulumi.Input<string>;
  /** Training data URI: s3://, gs://, pvc:// or https://. */
  readonly trainingData: pulumi.Input<string>;
  readonly hyperparameters: pulumi.Input<MLWorkflowHyperparameters>;
  /** GPUs for the training run. @default 0 */
  readonly gpus?: pulumi.Input<number>;
}

/** The `spec` of an MLWorkflow object. */
export interface MLWorkflowSpec {
  readonly modelName: string;
  readonly trainingData: string;
  readonly hyperparameters: {
    readonly learningRate: number;
    readonly batchSize: number;
    readonly epochs: number;
    readonly extra?: Record<string, string>;
  };
  readonly gpus: number;
}

type MLWorkflowFields = Omit<MLWorkflowArgs, "definition">;

/** True when `value` satisfies the CRD's trainingData rule. */
export function isTrainingDataUri(value: string): boolean {
  return (
    value.length <= MLWORKFLOW_LIMITS.trainingData.maxLength &&
    SCHEME_PREFIXES.some((p) => value.startsWith(p) && value.length > p.length) &&
    !value.includes(" ")
  );
}

/** Throws a ValidationError listing every way the workflow breaks the CRD's rules. */
export function validateMLWorkflowArgs(name: string, a: Resolved<MLWorkflowFields>): void {
  const limits = MLWORKFLOW_LIMITS;
  const h = a.hyperparameters;
  const gpus = a.gpus ?? 0;
  const modelName = new RegExp(limits.modelName.pattern);
  const checker = new ArgChecker(`MLWorkflow "${name}"`)
    .dnsLabel("name", name)
    .dnsLabel("namespace", a.namespace)
    .check(
      a.modelName.length <= limits.modelName.maxLength && modelName.test(a.modelName),
      "modelName",
      a.modelName,
      ALLOWED.modelName,
    )
    .check(isTrainingDataUri(a.trainingData), "trainingData", a.trainingData, ALLOWED.trainingData)
    .check(
      typeof h.learningRate === "number" &&
        h.learningRate > limits.learningRate.exclusiveMinimum &&
        h.learningRate <= limits.learningRate.maximum,
      "hyperparameters.learningRate",
      h.learningRate,
      ALLOWED.learningRate,
    )
    .wholeNumber("hyperparameters.batchSize", h.batchSize, limits.batchSize.minimum, limits.batchSize.maximum)
    .wholeNumber("hyperparameters.epochs", h.epochs, limits.epochs.minimum, limits.epochs.maximum)
    .wholeNumber("gpus", a.gpus, limits.gpus.minimum, limits.gpus.maximum);
  if (Number.isInteger(gpus) && gpus > 0 && Number.isInteger(h.batchSize)) {
    checker.check(
      h.batchSize % gpus === 0,
      "hyperparameters.batchSize",
      h.batchSize,
      `${ALLOWED.divisible} (${gpus})`,
    );
  }
  if (h.extra !== undefined) {
    const entries = Object.entries(h.extra);
    checker.check(
      entries.length <= limits.extra.maxProperties,
      "hyperparameters.extra",
      entries.length,
      `at most ${limits.extra.maxProperties} entries`,
    );
    const tooLong = entries
      .filter(([, value]) => typeof value !== "string" || value.length > limits.extra.maxValueLength)
      .map(([key]) => key);
    checker.check(
      tooLong.length === 0,
      "hyperparameters.extra",
      tooLong,
      `a map of strings of at most ${limits.extra.maxValueLength} characters`,
    );
  }
  checker.throwIfInvalid();
}

/** The spec of a validated workflow, with the GPU default applied. */
export function mlWorkflowSpec(a: Resolved<MLWorkflowFields>): MLWorkflowSpec {
  const h = a.hyperparameters;
  return {
    modelName: a.modelName,
    trainingData: a.trainingData,
    hyperparameters: {
      learningRate: h.learningRate,
      batchSize: h.batchSize,
      epochs: h.epochs,
      ...(h.extra === undefined ? {} : { extra: h.extra }),
    },
    gpus: a.gpus ?? 0,
  };
}

/**
 * Options of an MLWorkflow: after the CRD (else the API server has no such kind yet), and
 * replaced, deleting the old object first (same name), when the immutable modelName changes.
 */
export function mlWorkflowOptions(
  definition: pulumi.Resource,
  opts: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return pulumi.mergeOptions(opts, {
    dependsOn: [definition],
    deleteBeforeReplace: true,
    replaceOnChanges: ["spec.modelName"],
  });
}

/**
 * One MLWorkflow object. It extends CustomResource rather than wrapping one in a component: it
 * is a single Kubernetes object, so users get its `metadata` and `spec` outputs directly and can
 * depend on it like any other resource; the typed arguments and validation are what it adds.
 * Its Pulumi type is therefore the object's own, `kubernetes:ai.example.com/v1:MLWorkflow`.
 */
export class MLWorkflow extends apiextensions.CustomResource {
  /** The workflow's spec as sent to the cluster. */
  declare public readonly spec: pulumi.Output<MLWorkflowSpec>;

  constructor(name: string, args: MLWorkflowArgs, opts?: pulumi.CustomResourceOptions) {
    const { definition, ...fields } = args;
    const resolved = resolveArgs(fields, (a) => {
      validateMLWorkflowArgs(name, a);
    });
    super(
      name,
      {
        apiVersion: MLWORKFLOW_API_VERSION,
        kind: MLWORKFLOW_KIND,
        metadata: resolved.apply((a) => ({
          name,
          namespace: a.namespace,
          labels: standardLabels(a.modelName, name, ComponentRoles.workflow),
        })),
        spec: resolved.apply(mlWorkflowSpec),
      },
      mlWorkflowOptions(definition, opts),
    );
  }
}
