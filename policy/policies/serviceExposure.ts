import {
  DEFAULT_MODEL_SERVER_LABEL,
  isModelServer,
  modelServerLabelSchema,
  type LabelRef,
} from "../lib/modelServer";
import type { PodTemplate } from "../lib/podTemplate";
import { defineStackPolicy, violation, type Finding, type PolicyMeta } from "../lib/policyKit";
import type { K8sResource } from "../lib/resource";
import {
  describeSelector,
  implies,
  parseMapSelector,
  SelectorIndex,
  selectorForLabels,
} from "../lib/selectors";
import type { StackIndex } from "../lib/stackIndex";
import { isUnknown, obj, str } from "../lib/values";

export interface ServiceExposureConfig {
  readonly modelServerLabel: LabelRef;
  /** Service types accepted in front of model servers besides ClusterIP (e.g. ["LoadBalancer"]). */
  readonly allowedTypes: readonly string[];
  /** Individual Services ("namespace/name") that may be LoadBalancer or NodePort. */
  readonly allowedServices: readonly string[];
}

export const serviceExposureMeta: PolicyMeta<ServiceExposureConfig> = {
  name: "service-exposure",
  description:
    "No LoadBalancer or NodePort Service in front of model servers (a Service whose selector selects a model-server pod template, or names the model-server label), unless allowed in config.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    "Use a ClusterIP Service behind the API gateway, or allow the Service in the policy config.",
  defaults: { modelServerLabel: DEFAULT_MODEL_SERVER_LABEL, allowedTypes: [], allowedServices: [] },
  properties: {
    modelServerLabel: modelServerLabelSchema,
    allowedTypes: {
      type: "array",
      items: { type: "string", enum: ["LoadBalancer", "NodePort"] },
      uniqueItems: true,
      description: "Exposing Service types allowed in front of model servers.",
    },
    allowedServices: {
      type: "array",
      items: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$" },
      uniqueItems: true,
      description: 'Services ("namespace/name") allowed to be LoadBalancer or NodePort.',
    },
  },
};

const EXPOSING: ReadonlySet<string> = new Set(["LoadBalancer", "NodePort"]);

export function checkServiceExposure(index: StackIndex, cfg: ServiceExposureConfig): Finding[] {
  const out: Finding[] = [];
  const msSelector = selectorForLabels({ [cfg.modelServerLabel.key]: cfg.modelServerLabel.value });
  for (const bucket of index.namespaces.values()) {
    const exposed = new SelectorIndex<K8sResource>();
    const candidates: K8sResource[] = [];
    for (const svc of bucket.services) {
      const spec = obj(svc.object.spec);
      const type = spec?.type;
      if (isUnknown(type)) continue;
      const t = str(type) ?? "ClusterIP";
      if (!EXPOSING.has(t) || cfg.allowedTypes.includes(t)) continue;
      if (cfg.allowedServices.includes(`${svc.namespace}/${svc.name}`)) continue;
      exposed.add(parseMapSelector(spec?.selector), svc);
      candidates.push(svc);
    }
    if (candidates.length === 0) continue;
    const fronted = new Map<K8sResource, PodTemplate[]>();
    for (const w of bucket.workloads) {
      if (w.labelsUnknown || !isModelServer(w, cfg.modelServerLabel)) continue;
      for (const svc of exposed.matching(w.labels)) {
        const list = fronted.get(svc);
        if (list) list.push(w);
        else fronted.set(svc, [w]);
      }
    }
    for (const svc of candidates) {
      const spec = obj(svc.object.spec) ?? {};
      const sel = parseMapSelector(spec.selector);
      const servers = fronted.get(svc) ?? [];
      const namesLabel = sel.type === "requirements" && implies(sel, msSelector);
      if (servers.length === 0 && !namesLabel) continue;
      const what =
        servers.length > 0
          ? `selects ${servers.map((w) => w.resource.ref).join(", ")}`
          : `selects pods labelled ${cfg.modelServerLabel.key}=${cfg.modelServerLabel.value}`;
      out.push(
        violation({
          resource: svc.ref,
          problem: `a ${str(spec.type) ?? ""} Service exposes model servers outside the cluster`,
          path: "spec.type",
          found: `"${str(spec.type) ?? ""}"; selector ${describeSelector(sel)} ${what}`,
          fix: `use type ClusterIP and route through the API gateway, or allow it in the service-exposure config (allowedTypes, or allowedServices: ["${svc.namespace}/${svc.name}"])`,
          urn: svc.urn,
        }),
      );
    }
  }
  return out;
}

export const serviceExposure = defineStackPolicy(serviceExposureMeta, checkServiceExposure);
