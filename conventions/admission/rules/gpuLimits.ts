/** gpu-limits: whole-number GPU limits, requests equal to them, per-container and per-pod maximums. */
import { GPU_VENDORS } from "../../gpu";
import { POD_TEMPLATE_RESOURCES, perContainer, problemIf } from "../cel";
import { celString, message } from "../message";
import { integerParam, stringListParam } from "../params";
import { defineRule } from "../rule";

const BUILTIN_NAMES = GPU_VENDORS.flatMap((vendor) => vendor.names);
const BUILTIN_PATTERNS = GPU_VENDORS.flatMap((vendor) => vendor.patterns.map((pattern) => pattern.source));

/** CEL: whether resource name `n` counts as a GPU (the built-in names and patterns, and the extras). */
export function celIsGpu(name: string, extra: string): string {
  const names = `${name} in [${BUILTIN_NAMES.map(celString).join(", ")}]`;
  const patterns = BUILTIN_PATTERNS.map((source) => `${name}.matches(${celString(source)})`);
  return `(${[names, ...patterns, `${name} in ${extra}`].join(" || ")})`;
}

/** CEL: a quantity text that is a whole, non-negative number. */
function whole(value: string): string {
  return `(isQuantity(string(${value})) && quantity(string(${value})).isInteger() && quantity(string(${value})).compareTo(quantity("0")) >= 0)`;
}

/** CEL: a whole quantity as an int, 0 otherwise. */
function wholeAmount(value: string): string {
  return `(${whole(value)} ? quantity(string(${value})).asInteger() : 0)`;
}

/** CEL: container `c`'s resource limits, or {} when it sets none. */
export const limitsOf = (c: string): string =>
  `(has(${c}.resources) && has(${c}.resources.limits) ? ${c}.resources.limits : {})`;
/** CEL: container `c`'s resource requests, or {} when it sets none. */
export const requestsOf = (c: string): string =>
  `(has(${c}.resources) && has(${c}.resources.requests) ? ${c}.resources.requests : {})`;

/** CEL: the GPU amount container `c` gets of resource `n`: its limit, else its request (whole numbers). */
export function celGpuAmount(c: string, n: string): string {
  return `(${n} in ${limitsOf(c)} ? ${wholeAmount(`${limitsOf(c)}[${n}]`)} : ${n} in ${requestsOf(c)} ? ${wholeAmount(`${requestsOf(c)}[${n}]`)} : 0)`;
}

/**
 * CEL: the pod's effective amount of GPU resource `n` as the scheduler computes it:
 * max(max over init containers of (init + native sidecars before it), regular + sidecars).
 */
function effectiveAmount(n: string): string {
  const all = "variables.initContainersAll";
  const isSidecar = (c: string): string => `(has(${c}.restartPolicy) && ${c}.restartPolicy == "Always")`;
  const steady = `(variables.regularContainers.map(c, ${celGpuAmount("c", n)}).sum() + variables.sidecarContainers.map(c, ${celGpuAmount("c", n)}).sum())`;
  const inits = `lists.range(size(${all})).filter(i, !${isSidecar(`${all}[i]`)}).map(i, ${celGpuAmount(`${all}[i]`, n)} + lists.range(i).filter(j, ${isSidecar(`${all}[j]`)}).map(j, ${celGpuAmount(`${all}[j]`, n)}).sum())`;
  return `([${steady}] + ${inits}).max()`;
}

export const gpuLimitsRule = defineRule({
  policy: "gpu-limits",
  defaultLevel: "mandatory",
  params: {
    extraGpuResources: stringListParam([]),
    maxGpusPerContainer: integerParam(8, 1),
    maxGpusPerPod: integerParam(8, 1),
  },
  messages: {
    noLimit: message`requests GPU resource "${"name"}" without a limit`,
    notWhole: message`GPU limit "${"name"}" is not a whole number`,
    requestDiffers: message`GPU request "${"name"}" differs from its limit`,
    aboveContainerMax: message`GPU limit "${"name"}" is above the per-container maximum of ${"max"}`,
    abovePodMax: message`the pod uses ${"total"} GPUs, above the per-pod maximum of ${"max"}`,
  },
  match: POD_TEMPLATE_RESOURCES,
  cel: ({ param, message: msg }) => {
    const isGpu = (n: string): string => celIsGpu(n, param("extraGpuResources"));
    const maxPerContainer = param("maxGpusPerContainer");
    const maxPerPod = param("maxGpusPerPod");
    const containerProblems = (c: string): string => {
      const lim = limitsOf(c);
      const req = requestsOf(c);
      return [
        `${req}.filter(n, ${isGpu("n")} && !(n in ${lim})).map(n, ${msg("noLimit", { name: "n" })})`,
        `${lim}.filter(n, ${isGpu("n")} && !${whole(`${lim}[n]`)}).map(n, ${msg("notWhole", { name: "n" })})`,
        `${lim}.filter(n, ${isGpu("n")} && ${whole(`${lim}[n]`)} && n in ${req} && !(isQuantity(string(${req}[n])) && quantity(string(${req}[n])).compareTo(quantity(string(${lim}[n]))) == 0)).map(n, ${msg("requestDiffers", { name: "n" })})`,
        `${lim}.filter(n, ${isGpu("n")} && ${whole(`${lim}[n]`)} && quantity(string(${lim}[n])).asInteger() > ${maxPerContainer}).map(n, ${msg("aboveContainerMax", { name: "n", max: `string(${maxPerContainer})` })})`,
      ].join(" + ");
    };
    const everyContainer = "(variables.regularContainers + variables.initContainersAll)";
    return {
      variables: [
        {
          name: "gpuNamesListed",
          expression: `${everyContainer}.map(c, ${limitsOf("c")}.filter(n, ${isGpu("n")}) + ${requestsOf("c")}.filter(n, ${isGpu("n")})).flatten()`,
        },
        {
          name: "podGpuNames",
          expression: `lists.range(size(variables.gpuNamesListed)).filter(i, variables.gpuNamesListed.indexOf(variables.gpuNamesListed[i]) == i).map(i, variables.gpuNamesListed[i])`,
        },
        { name: "podGpus", expression: `variables.podGpuNames.map(n, ${effectiveAmount("n")}).sum()` },
      ],
      problems: [
        perContainer(containerProblems),
        problemIf(
          `variables.podGpus > ${maxPerPod}`,
          msg("abovePodMax", { total: "string(variables.podGpus)", max: `string(${maxPerPod})` }),
        ),
      ],
    };
  },
});
