/** Validation and defaults of GpuTenancy arguments. */
import { isCanonicalCidr } from "../../conventions/cidr";
import { isNonNegativeQuantity, parseQuantity } from "../../conventions/quantity";
import { ArgChecker, isLabelKey, isLabelValue } from "../lib/validation";
import {
  DEFAULT_CPU_LIMIT_UNDER_CPU_QUOTA,
  GPU_TENANCY_DEFAULTS,
  type GpuTenancyArgs,
  type GpuTenancySettings,
  type NetworkPolicyOptions,
  type ResolvedGpuTenancyArgs,
} from "./args";

const QUANTITY_ALLOWED = 'a Kubernetes quantity of zero or more, such as "500m", "4" or "16Gi"';

/** Checks every argument; throws one ValidationError listing all problems. */
export function validateGpuTenancyArgs(name: string, args: ResolvedGpuTenancyArgs): void {
  const checker = new ArgChecker(`GpuTenancy ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name).dnsLabel("namespace", args.namespace);
  checker
    .wholeNumber("gpuQuota", args.gpuQuota, 0)
    .wholeNumber("maxGpusPerContainer", args.maxGpusPerContainer, 0);
  checker.wholeNumber("maxPods", args.maxPods, 1).wholeNumber("maxJobs", args.maxJobs, 1);
  if (
    args.maxGpusPerContainer !== undefined &&
    Number.isInteger(args.maxGpusPerContainer) &&
    Number.isInteger(args.gpuQuota)
  ) {
    checker.check(
      args.maxGpusPerContainer <= args.gpuQuota,
      "maxGpusPerContainer",
      args.maxGpusPerContainer,
      `at most gpuQuota (${args.gpuQuota})`,
    );
  }

  const quantities: Record<string, string | undefined> = {
    requestsCpu: args.requestsCpu,
    limitsCpu: args.limitsCpu,
    requestsMemory: args.requestsMemory,
    limitsMemory: args.limitsMemory,
    defaultCpuRequest: args.defaultCpuRequest,
    defaultCpuLimit: args.defaultCpuLimit,
    defaultMemoryRequest: args.defaultMemoryRequest,
    defaultMemoryLimit: args.defaultMemoryLimit,
  };
  for (const [property, value] of Object.entries(quantities)) {
    const optional = property.startsWith("default") || property === "limitsCpu";
    if (optional && value === undefined) continue;
    checker.check(isNonNegativeQuantity(value), property, value, QUANTITY_ALLOWED);
  }
  // A request above its limit, or a default above the namespace total, could never be admitted.
  const withDefaults: Record<string, string | undefined> = {
    defaultCpuRequest: GPU_TENANCY_DEFAULTS.defaultCpuRequest,
    defaultMemoryRequest: GPU_TENANCY_DEFAULTS.defaultMemoryRequest,
    defaultMemoryLimit: GPU_TENANCY_DEFAULTS.defaultMemoryLimit,
    defaultCpuLimit: defaultCpuLimitFor(args),
    ...definedOnly(quantities),
  };
  const atMost: readonly (readonly [string, string])[] = [
    ["requestsCpu", "limitsCpu"],
    ["requestsMemory", "limitsMemory"],
    ["defaultCpuRequest", "defaultCpuLimit"],
    ["defaultMemoryRequest", "defaultMemoryLimit"],
    ["defaultCpuLimit", "limitsCpu"],
    ["defaultMemoryLimit", "limitsMemory"],
  ];
  for (const [smaller, larger] of atMost) {
    const low = withDefaults[smaller];
    const high = withDefaults[larger];
    const lowValue = isNonNegativeQuantity(low) ? parseQuantity(low) : undefined;
    const highValue = isNonNegativeQuantity(high) ? parseQuantity(high) : undefined;
    if (lowValue === undefined || highValue === undefined) continue;
    checker.check(lowValue <= highValue, smaller, low, `at most ${larger} (${JSON.stringify(high)})`);
  }

  checker.wholeNumber("sharedGpuQuota", args.sharedGpuQuota, 0);
  const mig: unknown = args.migQuotas;
  if (mig !== undefined) {
    if (typeof mig !== "object" || mig === null || Array.isArray(mig)) {
      checker.check(false, "migQuotas", mig, 'a map of MIG profiles to slice counts, e.g. {"1g.10gb": 7}');
    } else {
      for (const [profile, count] of Object.entries(mig)) {
        checker.check(
          /^\d+g\.\d+gb$/.test(profile),
          `migQuotas.${profile}`,
          count,
          'keyed by a MIG profile such as "1g.10gb"',
        );
        checker.wholeNumber(`migQuotas.${profile}`, count as number, 0);
      }
    }
  }
  checkEgress(checker, args);
  checker.boolean("apiPortMetrics", args.apiPortMetrics);
  for (const property of [
    "modelSourceEgressCidrs",
    "objectStorageEgressCidrs",
    "nodeLocalDnsCidrs",
    "apiServerEgressCidrs",
  ] as const) {
    const cidrs: readonly unknown[] | undefined = args[property];
    if (cidrs === undefined) continue;
    if (!Array.isArray(cidrs)) {
      checker.check(false, property, cidrs, "a list of CIDRs");
      continue;
    }
    cidrs.forEach((cidr, index) => {
      checker.check(
        isCanonicalCidr(cidr),
        `${property}[${index}]`,
        cidr,
        'an IPv4 or IPv6 CIDR with no host bits set, such as "10.0.0.0/16"',
      );
    });
  }
  checker.throwIfInvalid();
}

/** Ports are TCP port numbers; the proxy needs labels for both its namespace and its pods, and a port. */
function checkEgress(checker: ArgChecker, args: ResolvedGpuTenancyArgs): void {
  for (const property of ["modelSourceEgressPorts", "objectStorageEgressPorts"] as const) {
    const ports: readonly unknown[] | undefined = args[property];
    if (ports === undefined) continue;
    if (!Array.isArray(ports) || ports.length === 0) {
      checker.check(false, property, ports, "a non-empty list of TCP port numbers (1-65535)");
      continue;
    }
    ports.forEach((port, index) => {
      checker.check(isPort(port), `${property}[${index}]`, port, "a TCP port number (1-65535)");
    });
  }
  const proxy: unknown = args.egressProxy;
  if (proxy === undefined) return;
  const fields = (typeof proxy === "object" && proxy !== null ? proxy : {}) as Record<string, unknown>;
  checker.check(isPort(fields.port), "egressProxy.port", fields.port, "a TCP port number (1-65535)");
  for (const key of ["namespaceLabels", "podLabels"] as const) {
    const labels = fields[key];
    checker.check(
      isLabelMap(labels),
      `egressProxy.${key}`,
      labels,
      "a non-empty map of Kubernetes label keys to label values (the proxy is selected by labels)",
    );
  }
}

function isPort(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isLabelMap(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([key, label]) => isLabelKey(key) && typeof label === "string" && isLabelValue(label))
  );
}

/** A default CPU limit only matters, and is only imposed, when the quota caps CPU limits. */
function defaultCpuLimitFor(
  args: Pick<ResolvedGpuTenancyArgs, "defaultCpuLimit" | "limitsCpu">,
): string | undefined {
  if (args.defaultCpuLimit !== undefined) return args.defaultCpuLimit;
  return args.limitsCpu === undefined ? undefined : DEFAULT_CPU_LIMIT_UNDER_CPU_QUOTA;
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Applies the documented defaults to validated arguments. */
export function withGpuTenancyDefaults(name: string, args: ResolvedGpuTenancyArgs): GpuTenancySettings {
  return {
    namespace: args.namespace ?? name,
    gpuQuota: args.gpuQuota,
    sharedGpuQuota: args.sharedGpuQuota,
    migQuotas: args.migQuotas ?? GPU_TENANCY_DEFAULTS.migQuotas,
    requestsCpu: args.requestsCpu,
    limitsCpu: args.limitsCpu,
    requestsMemory: args.requestsMemory,
    limitsMemory: args.limitsMemory,
    maxPods: args.maxPods,
    maxJobs: args.maxJobs,
    maxGpusPerContainer: args.maxGpusPerContainer ?? args.gpuQuota,
    defaultCpuRequest: args.defaultCpuRequest ?? GPU_TENANCY_DEFAULTS.defaultCpuRequest,
    defaultCpuLimit: defaultCpuLimitFor(args),
    defaultMemoryRequest: args.defaultMemoryRequest ?? GPU_TENANCY_DEFAULTS.defaultMemoryRequest,
    defaultMemoryLimit: args.defaultMemoryLimit ?? GPU_TENANCY_DEFAULTS.defaultMemoryLimit,
    ...networkPolicyOptions(args),
    createWorkflowRunner: args.createWorkflowRunner ?? GPU_TENANCY_DEFAULTS.createWorkflowRunner,
  };
}

/** Reads the NetworkPolicy options from (plain or resolved) arguments, with defaults. */
export function networkPolicyOptions(
  args: Pick<
    GpuTenancyArgs,
    | "modelSourceEgressCidrs"
    | "modelSourceEgressPorts"
    | "objectStorageEgressCidrs"
    | "objectStorageEgressPorts"
    | "egressProxy"
    | "nodeLocalDnsCidrs"
    | "apiServerEgressCidrs"
    | "apiPortMetrics"
  >,
): NetworkPolicyOptions {
  return {
    modelSourceEgressCidrs: args.modelSourceEgressCidrs ?? GPU_TENANCY_DEFAULTS.modelSourceEgressCidrs,
    modelSourceEgressPorts: args.modelSourceEgressPorts ?? GPU_TENANCY_DEFAULTS.modelSourceEgressPorts,
    objectStorageEgressCidrs: args.objectStorageEgressCidrs ?? GPU_TENANCY_DEFAULTS.objectStorageEgressCidrs,
    objectStorageEgressPorts: args.objectStorageEgressPorts ?? GPU_TENANCY_DEFAULTS.objectStorageEgressPorts,
    egressProxy: args.egressProxy,
    nodeLocalDnsCidrs: args.nodeLocalDnsCidrs ?? GPU_TENANCY_DEFAULTS.nodeLocalDnsCidrs,
    apiServerEgressCidrs: args.apiServerEgressCidrs ?? GPU_TENANCY_DEFAULTS.apiServerEgressCidrs,
    apiPortMetrics: args.apiPortMetrics ?? GPU_TENANCY_DEFAULTS.apiPortMetrics,
  };
}
