/** Validation and defaults of WorkloadQueue arguments. */
import type { Resolved } from "../lib/resolve";
import { ArgChecker, isDns1123Subdomain, isLabelValue } from "../lib/validation";
import { checkPriorityTiers, PRIORITY_PREFIX_MAX_LENGTH } from "../workloadPriorities";
import {
  QUEUE_TIERS,
  WORKLOAD_QUEUE_DEFAULTS,
  type WorkloadQueueArgs,
  type WorkloadQueueSettings,
} from "./args";

/** Name of the ResourceFlavor of one GPU product, e.g. `k8sml-nvidia-l40s`. */
export function gpuFlavorName(flavorPrefix: string, product: string): string {
  return `${flavorPrefix}-${product.toLowerCase()}`;
}

/** Name of the ResourceFlavor that holds the queue's CPU and memory (no node labels). */
export function cpuMemoryFlavorName(flavorPrefix: string): string {
  return `${flavorPrefix}-cpu-memory`;
}

function checkGpuQuotas(checker: ArgChecker, args: Resolved<WorkloadQueueArgs>, flavorPrefix: string): void {
  const quotas: unknown = args.gpuQuotas;
  if (quotas === null || typeof quotas !== "object" || Array.isArray(quotas)) {
    checker.check(false, "gpuQuotas", quotas, "a map of GPU product to GPUs");
    return;
  }
  const entries = Object.entries(quotas as Record<string, unknown>);
  checker.check(entries.length > 0, "gpuQuotas", quotas, "a map with at least one GPU product");
  for (const [product, gpus] of entries) {
    checker
      .check(
        isLabelValue(product) && product !== "",
        `gpuQuotas[${JSON.stringify(product)}]`,
        product,
        "a GPU product as a nvidia.com/gpu.product label value",
      )
      .check(
        isDns1123Subdomain(gpuFlavorName(flavorPrefix, product)),
        `gpuQuotas[${JSON.stringify(product)}]`,
        product,
        `a product whose flavor name "${gpuFlavorName(flavorPrefix, product)}" is a DNS-1123 subdomain (no '_')`,
      )
      .check(
        typeof gpus === "number" && Number.isInteger(gpus) && gpus >= 0,
        `gpuQuotas[${JSON.stringify(product)}]`,
        gpus,
        "a whole number of GPUs, at least 0",
      );
  }
}

/** Throws a ValidationError listing every invalid argument. */
export function validateWorkloadQueueArgs(name: string, args: Resolved<WorkloadQueueArgs>): void {
  const checker = new ArgChecker(`WorkloadQueue ${JSON.stringify(name)}`);
  checker
    .dnsLabel("name", name)
    .dnsLabel("namespace", args.namespace)
    .dnsLabel("prefix", args.prefix, PRIORITY_PREFIX_MAX_LENGTH)
    .dnsLabel("localQueueName", args.localQueueName)
    .dnsLabel("flavorPrefix", args.flavorPrefix, 40)
    .dnsLabel("cohort", args.cohort)
    .positiveQuantity("cpu", args.cpu)
    .positiveQuantity("memory", args.memory)
    .boolean("installFlavors", args.installFlavors)
    .boolean("preemptLowerPriority", args.preemptLowerPriority)
    .wholeNumber("gpuBorrowingLimit", args.gpuBorrowingLimit, 0);
  checkGpuQuotas(checker, args, args.flavorPrefix ?? WORKLOAD_QUEUE_DEFAULTS.flavorPrefix);
  if ((args.gpuBorrowingLimit ?? 0) > 0) {
    checker.check(
      args.cohort !== undefined,
      "gpuBorrowingLimit",
      args.gpuBorrowingLimit,
      "0 unless cohort is set (a queue borrows only from its cohort)",
    );
  }
  checkPriorityTiers(checker, args.prefix ?? name, {
    servingValue: args.servingValue ?? WORKLOAD_QUEUE_DEFAULTS.servingValue,
    trainingValue: args.trainingValue ?? WORKLOAD_QUEUE_DEFAULTS.trainingValue,
    batchValue: args.batchValue ?? WORKLOAD_QUEUE_DEFAULTS.batchValue,
  });
  checker.throwIfInvalid();
}

/** Applies the documented defaults to validated arguments. */
export function withWorkloadQueueDefaults(
  name: string,
  args: Resolved<WorkloadQueueArgs>,
): WorkloadQueueSettings {
  const values = {
    serving: args.servingValue ?? WORKLOAD_QUEUE_DEFAULTS.servingValue,
    training: args.trainingValue ?? WORKLOAD_QUEUE_DEFAULTS.trainingValue,
    batch: args.batchValue ?? WORKLOAD_QUEUE_DEFAULTS.batchValue,
  };
  return {
    name,
    namespace: args.namespace,
    gpuQuotas: Object.entries(args.gpuQuotas)
      .map(([product, gpus]) => ({ product, gpus }))
      .sort((a, b) => (a.product < b.product ? -1 : a.product > b.product ? 1 : 0)),
    cpu: args.cpu,
    memory: args.memory,
    prefix: args.prefix ?? name,
    localQueueName: args.localQueueName ?? name,
    flavorPrefix: args.flavorPrefix ?? WORKLOAD_QUEUE_DEFAULTS.flavorPrefix,
    installFlavors: args.installFlavors ?? WORKLOAD_QUEUE_DEFAULTS.installFlavors,
    cohort: args.cohort,
    gpuBorrowingLimit: args.gpuBorrowingLimit ?? WORKLOAD_QUEUE_DEFAULTS.gpuBorrowingLimit,
    preemptLowerPriority: args.preemptLowerPriority ?? WORKLOAD_QUEUE_DEFAULTS.preemptLowerPriority,
    values: Object.fromEntries(QUEUE_TIERS.map((tier) => [tier, values[tier]])) as Record<
      (typeof QUEUE_TIERS)[number],
      number
    >,
  };
}
