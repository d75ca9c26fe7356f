import {
  isModelServer,
  modelServerLabelSchema,
  type LabelRef,
  modelServerSelectorsSchema,
  type LabelSelectorConfig,
} from "../lib/modelServer";
import { fieldPath } from "../lib/paths";
import { containersOf, type PodTemplate } from "../lib/podTemplate";
import { definePodPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import { hasUnknown, isUnknown, obj } from "../lib/values";
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import { PROBE_HANDLERS, servingProbesRule } from "../../conventions/admission/rules/servingProbes";

const MESSAGES = servingProbesRule.messages;

/** Settings of serving-probes (its entry in policy-config/<env>.json). */
export interface ServingProbesConfig {
  readonly modelServerLabel: LabelRef;
  /** More label selectors recognising model servers (upstream servers' labels by default). */
  readonly modelServerSelectors: readonly LabelSelectorConfig[];
  readonly requireStartupProbe: boolean;
  /** Names of regular containers in model-server pods that need no probes (e.g. a log shipper). */
  readonly exemptContainers: readonly string[];
}

/**
 * serving-probes: name, advisory by default, and its settings: the model-server label, whether a
 * startupProbe is required too (off by default, on in prod), and containers that need no probes.
 */
export const servingProbesMeta: PolicyMeta<ServingProbesConfig> = {
  name: "serving-probes",
  description:
    "Every regular container of a model server (a pod template labelled as one) has readiness and liveness probes, and a startup probe where configured.",
  enforcementLevel: servingProbesRule.defaultLevel,
  severity: "medium",
  remediationSteps:
    "Add readinessProbe and livenessProbe (e.g. httpGet on port http), and a startupProbe instead of initialDelaySeconds for slow model loads.",
  defaults: ruleDefaults(servingProbesRule) as unknown as ServingProbesConfig,
  properties: {
    modelServerLabel: modelServerLabelSchema,
    modelServerSelectors: modelServerSelectorsSchema,
    requireStartupProbe: { type: "boolean", description: "Also require a startupProbe." },
    exemptContainers: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      description: "Container names that need no probes.",
    },
  },
};

const HANDLERS = PROBE_HANDLERS;

/** The serving-probes findings for one pod template (none unless it is a model server). */
export function checkServingProbes(template: PodTemplate, config: ServingProbesConfig): Finding[] {
  if (template.labelsUnknown || !isModelServer(template, config)) return [];
  const findings: Finding[] = [];
  const wanted = ["readinessProbe", "livenessProbe"];
  if (config.requireStartupProbe) wanted.push("startupProbe");
  for (const ref of containersOf(template).refs) {
    if (ref.role !== "container" || config.exemptContainers.includes(ref.name)) continue;
    const container = ref.container;
    const missing = wanted.filter(
      (probeName) => container[probeName] === undefined || container[probeName] === null,
    );
    if (missing.length > 0) {
      findings.push(
        violation({
          resource: template.resource.ref,
          container: ref.label,
          problem: render(MESSAGES.missing, { probes: missing.join(" or ") }),
          path: fieldPath(ref.path, missing[0] ?? ""),
          found: `${missing.join(", ")} not set`,
          fix: `add ${missing.join(", ")} to ${ref.path} (e.g. httpGet on port "http"); use a startupProbe rather than initialDelaySeconds for slow model loads`,
        }),
      );
    }
    for (const probeName of wanted) {
      const probe = container[probeName];
      if (probe === undefined || probe === null || hasUnknown(probe)) continue;
      const probeObject = obj(probe);
      const hasHandler =
        probeObject !== undefined &&
        HANDLERS.some(
          (handler) =>
            probeObject[handler] !== undefined &&
            probeObject[handler] !== null &&
            !isUnknown(probeObject[handler]),
        );
      if (!hasHandler) {
        const path = fieldPath(ref.path, probeName);
        findings.push(
          violation({
            resource: template.resource.ref,
            container: ref.label,
            problem: render(MESSAGES.noHandler, { probe: probeName }),
            path,
            found: JSON.stringify(probe),
            fix: `give ${path} one of ${HANDLERS.join(", ")}`,
          }),
        );
      }
    }
  }
  return findings;
}

/**
 * Every regular container of a model server has a readiness and a liveness probe (and a startup
 * probe where configured), each with a handler. Without readiness a Service sends requests to a pod
 * still loading its weights, so every rollout and scale-out returns errors; without liveness a hung
 * server holds its GPU until someone notices.
 */
export const servingProbes = definePodPolicy(servingProbesMeta, checkServingProbes);
