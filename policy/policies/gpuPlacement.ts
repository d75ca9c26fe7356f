import { KNOWN_GPU_PRODUCTS } from "../../conventions/gpu";
import { gpuNames, podGpus, extraGpuResourcesSchema } from "../lib/gpu";
import { fieldPath } from "../lib/paths";
import type { PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { parseExpression } from "../lib/selectors";
import { arr, hasUnknown, isUnknown, obj, show, str } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { gpuPlacementRule } from "../../conventions/admission/rules/gpuPlacement";

const MESSAGES = gpuPlacementRule.messages;

/** Settings of gpu-placement (its entry in policy-config/<env>.json). */
export interface GpuPlacementConfig {
  readonly extraGpuResources: readonly string[];
  /** Node label carrying the GPU product (set by NVIDIA GPU feature discovery). */
  readonly productLabel: string;
  readonly allowedProducts: readonly string[];
  readonly taintKey: string;
  readonly taintEffect: string;
}

/** The products the components know, so that what stack config accepts is never flagged here. */
export const DEFAULT_GPU_PRODUCTS: readonly string[] = KNOWN_GPU_PRODUCTS;

/**
 * gpu-placement: name, advisory by default, and what GPU nodes look like: the product label (set
 * by NVIDIA GPU feature discovery), the products pods may select (every product stack config
 * accepts, so the components never trip it), and the taint key and effect that keep other pods
 * off GPU nodes.
 */
export const gpuPlacementMeta: PolicyMeta<GpuPlacementConfig> = {
  name: "gpu-placement",
  description:
    "GPU pods tolerate the GPU node taint and select an allowed GPU product through a required node affinity or a nodeSelector.",
  enforcementLevel: gpuPlacementRule.defaultLevel,
  severity: "medium",
  remediationSteps:
    'Add the toleration {key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"} and a required node affinity on nvidia.com/gpu.product with operator In and allowed values.',
  defaults: ruleDefaults(gpuPlacementRule) as unknown as GpuPlacementConfig,
  properties: {
    extraGpuResources: extraGpuResourcesSchema,
    productLabel: { type: "string", minLength: 1, description: "Node label that names the GPU product." },
    allowedProducts: {
      type: "array",
      items: { type: "string", minLength: 1 },
      minItems: 1,
      uniqueItems: true,
      description: "GPU products (values of productLabel) that pods may select.",
    },
    taintKey: { type: "string", minLength: 1, description: "Key of the taint on GPU nodes." },
    taintEffect: {
      type: "string",
      enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"],
      description: "Effect of the taint on GPU nodes.",
    },
  },
};

function tolerates(rawToleration: unknown, config: GpuPlacementConfig): boolean | undefined {
  const toleration = obj(rawToleration);
  if (!toleration) return false;
  if (hasUnknown(toleration)) return undefined;
  const key = str(toleration.key) ?? "";
  const operator = str(toleration.operator) ?? "Equal";
  const effect = str(toleration.effect) ?? "";
  if (effect !== "" && effect !== config.taintEffect) return false;
  if (key === config.taintKey) return operator === "Exists" || operator === "Equal";
  return key === "" && operator === "Exists"; // tolerates every taint
}

/** The gpu-placement findings for one pod template (none when the pod uses no GPU). */
export function checkGpuPlacement(template: PodTemplate, config: GpuPlacementConfig): Finding[] {
  const spec = template.spec;
  if (!spec) return [];
  const gpus = podGpus(template, gpuNames(config.extraGpuResources));
  if (gpus.total === 0) return [];
  const findings: Finding[] = [];
  const resource = template.resource.ref;
  const allowed = config.allowedProducts;

  // Toleration for the GPU taint.
  if (!isUnknown(spec.tolerations)) {
    const list = arr(spec.tolerations) ?? [];
    const results = list.map((toleration) => tolerates(toleration, config));
    if (!results.includes(true) && !results.includes(undefined)) {
      const keys = list.map((toleration) => str(obj(toleration)?.key) ?? "").filter((key) => key !== "");
      const path = fieldPath(template.specPath, "tolerations");
      findings.push(
        violation({
          resource,
          problem: render(MESSAGES.notTolerated, { taint: `${config.taintKey}:${config.taintEffect}` }),
          path,
          found:
            list.length === 0
              ? "no tolerations"
              : `tolerations for ${keys.length ? keys.join(", ") : "other taints"}`,
          fix: `add {key: "${config.taintKey}", operator: "Exists", effect: "${config.taintEffect}"} to ${path}`,
        }),
      );
    }
  }

  // Product selection: nodeSelector, or required node affinity whose every term pins allowed products.
  const allowedText = allowed.join(", ");
  let pinned = false;
  let badProduct = false;
  let undecided = isUnknown(spec.nodeSelector);
  const nodeSelector = obj(spec.nodeSelector);
  const selected = nodeSelector?.[config.productLabel];
  if (isUnknown(selected)) undecided = true;
  else if (selected !== undefined) {
    const product = str(selected);
    if (product !== undefined && allowed.includes(product)) pinned = true;
    else {
      badProduct = true;
      findings.push(
        violation({
          resource,
          problem: render(MESSAGES.selectedNotAllowed, { product: show(selected) }),
          path: fieldPath(template.specPath, "nodeSelector", config.productLabel),
          found: show(selected),
          fix: `select one of ${allowedText}, or add the product to allowedProducts in the gpu-placement config`,
        }),
      );
    }
  }
  const required = obj(obj(obj(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  const requiredPath = fieldPath(
    template.specPath,
    "affinity",
    "nodeAffinity",
    "requiredDuringSchedulingIgnoredDuringExecution",
  );
  if (hasUnknown(spec.affinity)) undecided = true;
  const terms = arr(required?.nodeSelectorTerms) ?? [];
  let allTermsPin = terms.length > 0;
  for (const [termIndex, term] of terms.entries()) {
    let termPins = false;
    for (const [expressionIndex, expression] of (arr(obj(term)?.matchExpressions) ?? []).entries()) {
      const requirement = parseExpression(expression);
      if (
        typeof requirement === "string" ||
        requirement.key !== config.productLabel ||
        requirement.operator !== "In"
      ) {
        continue;
      }
      const disallowed = requirement.values.filter((product) => !allowed.includes(product));
      if (disallowed.length === 0) {
        termPins = true;
        continue;
      }
      badProduct = true;
      findings.push(
        violation({
          resource,
          problem: render(MESSAGES.affinityNotAllowed, {
            plural: disallowed.length > 1 ? "s" : "",
            products: disallowed.map((product) => `"${product}"`).join(", "),
          }),
          path: fieldPath(
            requiredPath,
            "nodeSelectorTerms",
            termIndex,
            "matchExpressions",
            expressionIndex,
            "values",
          ),
          found: show(requirement.values),
          fix: `select only from ${allowedText}, or add the product to allowedProducts in the gpu-placement config`,
        }),
      );
    }
    if (!termPins) allTermsPin = false;
  }
  if (allTermsPin) pinned = true;
  if (!pinned && !badProduct && !undecided) {
    findings.push(
      violation({
        resource,
        problem: render(MESSAGES.noProduct, {}),
        path: requiredPath,
        found:
          terms.length === 0
            ? `no required node affinity and no nodeSelector on ${config.productLabel}`
            : `a nodeSelectorTerm without an In expression on ${config.productLabel}`,
        fix: `add a required node affinity (every term) or a nodeSelector on ${config.productLabel} with values from ${allowedText}`,
      }),
    );
  }
  return findings;
}

/**
 * GPU pods tolerate the GPU nodes' taint and pin an allowed GPU product through a nodeSelector or a
 * required node affinity (in every term). Without the toleration the pod stays Pending, since only
 * GPU nodes have GPUs; without the pin the scheduler may put a model on any GPU type it finds free,
 * one too small for its weights or more expensive than planned.
 */
export const gpuPlacement = definePodPolicy(gpuPlacementMeta, checkGpuPlacement);
