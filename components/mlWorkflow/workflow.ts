/** The MLWorkflow resource: one typed, validated MLWorkflow object. */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import { type Resolved, resolveArgs } from "../lib/resolve";
import { ArgChecker } from "../lib/validation";
import {
  ALLOWED,
  MLWORKFLOW_API_VERSION,
  MLWORKFLOW_KIND,
  MLWORKFLOW_LIMITS,
  SCHEME_PREFIXES,
} from "./limits";

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

/** Every literal default of MLWorkflow. */
export const MLWORKFLOW_DEFAULTS = { gpus: 0 } as const;

/** True when `value` satisfies the CRD's trainingData rule. */
export function isTrainingDataUri(value: string): boolean {
  return (
    value.length <= MLWORKFLOW_LIMITS.trainingData.maxLength &&
    SCHEME_PREFIXES.some((p) => value.startsWith(p) && value.length > p.length) &&
    !value.includes(" ")
  );
}

/** Throws a ValidationError listing every way the workflow breaks the CRD's rules. */
export function validateMLWorkflowArgs(name: string, args: Resolved<MLWorkflowFields>): void {
  const limits = MLWORKFLOW_LIMITS;
  const hyperparameters = args.hyperparameters;
  const gpus = args.gpus ?? MLWORKFLOW_DEFAULTS.gpus;
  const modelName = new RegExp(limits.modelName.pattern);
  const checker = new ArgChecker(`MLWorkflow "${name}"`)
    .dnsLabel("name", name)
    .dnsLabel("namespace", args.namespace)
    .check(
      args.modelName.length <= limits.modelName.maxLength && modelName.test(args.modelName),
      "modelName",
      args.modelName,
      ALLOWED.modelName,
    )
    .check(isTrainingDataUri(args.trainingData), "trainingData", args.trainingData, ALLOWED.trainingData)
    .check(
      typeof hyperparameters.learningRate === "number" &&
        hyperparameters.learningRate > limits.learningRate.exclusiveMinimum &&
        hyperparameters.learningRate <= limits.learningRate.maximum,
      "hyperparameters.learningRate",
      hyperparameters.learningRate,
      ALLOWED.learningRate,
    )
    .wholeNumber(
      "hyperparameters.batchSize",
      hyperparameters.batchSize,
      limits.batchSize.minimum,
      limits.batchSize.maximum,
    )
    .wholeNumber(
      "hyperparameters.epochs",
      hyperparameters.epochs,
      limits.epochs.minimum,
      limits.epochs.maximum,
    )
    .wholeNumber("gpus", args.gpus, limits.gpus.minimum, limits.gpus.maximum);
  if (Number.isInteger(gpus) && gpus > 0 && Number.isInteger(hyperparameters.batchSize)) {
    checker.check(
      hyperparameters.batchSize % gpus === 0,
      "hyperparameters.batchSize",
      hyperparameters.batchSize,
      `${ALLOWED.divisible} (${gpus})`,
    );
  }
  if (hyperparameters.extra !== undefined) {
    const entries = Object.entries(hyperparameters.extra);
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
export function mlWorkflowSpec(args: Resolved<MLWorkflowFields>): MLWorkflowSpec {
  const hyperparameters = args.hyperparameters;
  return {
    modelName: args.modelName,
    trainingData: args.trainingData,
    hyperparameters: {
      learningRate: hyperparameters.learningRate,
      batchSize: hyperparameters.batchSize,
      epochs: hyperparameters.epochs,
      ...(hyperparameters.extra === undefined ? {} : { extra: hyperparameters.extra }),
    },
    gpus: args.gpus ?? MLWORKFLOW_DEFAULTS.gpus,
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
    const resolved = resolveArgs(fields, (plain) => {
      validateMLWorkflowArgs(name, plain);
    });
    super(
      name,
      {
        apiVersion: MLWORKFLOW_API_VERSION,
        kind: MLWORKFLOW_KIND,
        metadata: resolved.apply((workflow) => ({
          name,
          namespace: workflow.namespace,
          labels: standardLabels(workflow.modelName, name, ComponentRoles.workflow),
        })),
        spec: resolved.apply(mlWorkflowSpec),
      },
      mlWorkflowOptions(definition, opts),
    );
  }
}
