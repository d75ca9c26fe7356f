/**
 * WorkloadPriorities: three PriorityClasses so that, when GPUs run short, serving outranks
 * training and training outranks batch inference.
 *
 * - `<prefix>-serving` and `<prefix>-training` may preempt lower-priority pods: a serving pod
 *   that cannot be scheduled evicts training or batch pods, a training pod evicts batch pods.
 * - `<prefix>-batch` never preempts (`preemptionPolicy: Never`): batch work waits for free
 *   capacity instead of evicting anything, including pods without a class (priority 0). It
 *   still sorts ahead of them in the scheduling queue.
 *
 * None is the global default, so pods must name their class (`priorityClassName`).
 * PriorityClasses are cluster-scoped; give each stack its own prefix when several share a cluster.
 */
import * as schedulingv1 from "@pulumi/kubernetes/scheduling/v1";
import * as pulumi from "@pulumi/pulumi";
import { ComponentRoles } from "../conventions/labels";
import { standardLabels } from "./lib/labels";
import { childOptions } from "./lib/component";
import { type Resolved, resolveSettings } from "./lib/resolve";
import { ArgChecker } from "./lib/validation";
import { componentOptions, componentType } from "./lib/typeTokens";

/** Type token of the component. */
export const WORKLOAD_PRIORITIES_TYPE = componentType("WorkloadPriorities");

/** `app.kubernetes.io/name` of the PriorityClasses. */
export const WORKLOAD_PRIORITIES_APP_NAME = "workload-priorities";

/** Values above this are reserved for the system classes (`system-cluster-critical` and friends). */
export const SYSTEM_PRIORITY_FLOOR = 1_000_000_000;

/** Lowest value a PriorityClass can hold (a 32-bit integer). */
export const MIN_PRIORITY = -2_147_483_648;

/** Longest prefix that keeps `<prefix>-training` a 63-character DNS-1123 label. */
export const PRIORITY_PREFIX_MAX_LENGTH = 63 - "-training".length;

export interface WorkloadPrioritiesArgs {
  /**
   * Prefix of the class names (DNS-1123 label, not starting with "system").
   * @default the component name
   */
  readonly prefix?: pulumi.Input<string>;
  /**
   * Priority of serving pods.
   * @default 100000
   */
  readonly servingValue?: pulumi.Input<number>;
  /**
   * Priority of training pods; below servingValue.
   * @default 50000
   */
  readonly trainingValue?: pulumi.Input<number>;
  /**
   * Priority of batch-inference pods; below trainingValue.
   * @default 10000
   */
  readonly batchValue?: pulumi.Input<number>;
}

export type ResolvedWorkloadPrioritiesArgs = Resolved<WorkloadPrioritiesArgs>;

/** WorkloadPriorities arguments with every default applied. */
export interface WorkloadPrioritiesSettings {
  readonly prefix: string;
  readonly servingValue: number;
  readonly trainingValue: number;
  readonly batchValue: number;
}

/** Every literal default of WorkloadPriorities, in one place. */
export const WORKLOAD_PRIORITIES_DEFAULTS = {
  servingValue: 100_000,
  trainingValue: 50_000,
  batchValue: 10_000,
} as const;

/** The three priority values of a serving > training > batch ranking. */
export interface PriorityTierValues {
  readonly servingValue: number;
  readonly trainingValue: number;
  readonly batchValue: number;
}

/**
 * Checks a class-name prefix and the three values of a serving > training > batch ranking, for
 * PriorityClasses here and Kueue's WorkloadPriorityClasses alike: the prefix must not start with
 * "system", each value must be a whole number below the system classes, and they must rank.
 */
export function checkPriorityTiers(checker: ArgChecker, prefix: string, values: PriorityTierValues): void {
  // The API server reserves names starting with "system-" for its own classes.
  checker.check(
    !`${prefix}-`.startsWith("system-"),
    "prefix",
    prefix,
    'a prefix that does not start with "system"',
  );
  for (const property of ["servingValue", "trainingValue", "batchValue"] as const) {
    checker.wholeNumber(property, values[property], MIN_PRIORITY, SYSTEM_PRIORITY_FLOOR - 1);
  }
  const ranking = [
    ["trainingValue", "servingValue"],
    ["batchValue", "trainingValue"],
  ] as const;
  const inRange = (value: number): boolean =>
    Number.isInteger(value) && value >= MIN_PRIORITY && value < SYSTEM_PRIORITY_FLOOR;
  for (const [lower, higher] of ranking) {
    // Only rank values that are valid themselves; the range check above reports the others.
    if (!inRange(values[lower]) || !inRange(values[higher])) continue;
    checker.check(
      values[lower] < values[higher],
      lower,
      values[lower],
      `below ${higher} (${values[higher]}), so that serving outranks training and training outranks batch`,
    );
  }
}

/** Checks every argument; throws one ValidationError listing all problems. */
export function validateWorkloadPrioritiesArgs(name: string, args: ResolvedWorkloadPrioritiesArgs): void {
  const checker = new ArgChecker(`WorkloadPriorities ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name).dnsLabel("prefix", args.prefix, PRIORITY_PREFIX_MAX_LENGTH);
  checkPriorityTiers(checker, args.prefix ?? name, {
    ...WORKLOAD_PRIORITIES_DEFAULTS,
    ...definedOnly(args),
  });
  checker.throwIfInvalid();
}

function definedOnly(args: ResolvedWorkloadPrioritiesArgs): Partial<Record<string, number>> {
  return Object.fromEntries(
    (["servingValue", "trainingValue", "batchValue"] as const)
      .filter((key) => args[key] !== undefined)
      .map((key) => [key, args[key]]),
  );
}

/** Applies the documented defaults to validated arguments. */
export function withWorkloadPrioritiesDefaults(
  name: string,
  args: ResolvedWorkloadPrioritiesArgs,
): WorkloadPrioritiesSettings {
  return {
    prefix: args.prefix ?? name,
    servingValue: args.servingValue ?? WORKLOAD_PRIORITIES_DEFAULTS.servingValue,
    trainingValue: args.trainingValue ?? WORKLOAD_PRIORITIES_DEFAULTS.trainingValue,
    batchValue: args.batchValue ?? WORKLOAD_PRIORITIES_DEFAULTS.batchValue,
  };
}

/** One PriorityClass, as its constructor arguments. */
export interface PriorityClassSpec {
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly value: number;
  readonly globalDefault: false;
  readonly preemptionPolicy: string;
  readonly description: string;
}

/** The serving, training and batch PriorityClasses, highest first. */
export function priorityClassSpecs(
  name: string,
  settings: WorkloadPrioritiesSettings,
): { serving: PriorityClassSpec; training: PriorityClassSpec; batch: PriorityClassSpec } {
  const labels = standardLabels(WORKLOAD_PRIORITIES_APP_NAME, name, ComponentRoles.guardrails);
  const priorityClass = (
    tier: string,
    value: number,
    preemptionPolicy: string,
    description: string,
  ): PriorityClassSpec => ({
    metadata: { name: `${settings.prefix}-${tier}`, labels },
    value,
    globalDefault: false,
    preemptionPolicy,
    description,
  });
  return {
    serving: priorityClass(
      "serving",
      settings.servingValue,
      "PreemptLowerPriority",
      "Model serving: scheduled first and may preempt training and batch pods.",
    ),
    training: priorityClass(
      "training",
      settings.trainingValue,
      "PreemptLowerPriority",
      "Distributed training: below serving; may preempt batch pods.",
    ),
    batch: priorityClass(
      "batch",
      settings.batchValue,
      "Never",
      "Batch inference: lowest of the three and never preempts other pods; waits for free capacity.",
    ),
  };
}

/** PriorityClasses for serving, training and batch workloads. */
export class WorkloadPriorities extends pulumi.ComponentResource {
  public readonly serving: schedulingv1.PriorityClass;
  public readonly training: schedulingv1.PriorityClass;
  public readonly batch: schedulingv1.PriorityClass;

  /** Name of the serving class, for ModelServing's `priorityClassName`. */
  public readonly servingClassName: pulumi.Output<string>;
  /** Name of the training class, for DistributedTraining's `priorityClassName`. */
  public readonly trainingClassName: pulumi.Output<string>;
  /** Name of the batch class, for BatchInference's `priorityClassName`. */
  public readonly batchClassName: pulumi.Output<string>;

  constructor(name: string, args: WorkloadPrioritiesArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateWorkloadPrioritiesArgs(name, resolved);
      },
      (resolved) => withWorkloadPrioritiesDefaults(name, resolved),
    );
    super(WORKLOAD_PRIORITIES_TYPE, name, {}, componentOptions("WorkloadPriorities", opts));
    const specs = settings.apply((resolved) => priorityClassSpecs(name, resolved));

    // `value` and `preemptionPolicy` are immutable, so changing them replaces the class; the
    // name is explicit, so the old class must go first. Running pods keep their priority; pods
    // created in the moment between delete and create are rejected and retried by their controller.
    const create = (tier: "serving" | "training" | "batch"): schedulingv1.PriorityClass => {
      const spec = specs[tier];
      return new schedulingv1.PriorityClass(
        `${name}-${tier}`,
        {
          metadata: spec.metadata,
          value: spec.value,
          globalDefault: spec.globalDefault,
          preemptionPolicy: spec.preemptionPolicy,
          description: spec.description,
        },
        childOptions(this),
      );
    };
    this.serving = create("serving");
    this.training = create("training");
    this.batch = create("batch");

    this.servingClassName = this.serving.metadata.name;
    this.trainingClassName = this.training.metadata.name;
    this.batchClassName = this.batch.metadata.name;

    this.registerOutputs({
      servingClassName: this.servingClassName,
      trainingClassName: this.trainingClassName,
      batchClassName: this.batchClassName,
    });
  }
}
