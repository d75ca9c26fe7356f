import {
  isModelServer,
  modelServerLabelSchema,
  type LabelRef,
  selectsOnlyModelServers,
  modelServerSelectorsSchema,
  type LabelSelectorConfig,
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
import { render } from "../../conventions/admission/message";
import { ruleDefaults } from "../../conventions/admission/rule";
import {
  EXPOSING_SERVICE_TYPES,
  serviceExposureRule,
} from "../../conventions/admission/rules/serviceExposure";

/** Settings of service-exposure (its entry in policy-config/<env>.json). */
export interface ServiceExposureConfig {
  readonly modelServerLabel: LabelRef;
  /** More label selectors recognising model servers (upstream servers' labels by default). */
  readonly modelServerSelectors: readonly LabelSelectorConfig[];
  /** Service types accepted in front of model servers besides ClusterIP (e.g. ["LoadBalancer"]). */
  readonly allowedTypes: readonly string[];
  /** Individual Services ("namespace/name") that may be LoadBalancer or NodePort. */
  readonly allowedServices: readonly string[];
}

/**
 * service-exposure: name, advisory by default, and its settings: the model-server label, and the
 * exceptions, by Service type or by "namespace/name" for a single Service (none by default).
 */
export const serviceExposureMeta: PolicyMeta<ServiceExposureConfig> = {
  name: "service-exposure",
  description:
    "No LoadBalancer or NodePort Service in front of model servers (a Service whose selector selects a model-server pod template, or names the model-server label), unless allowed in config.",
  enforcementLevel: serviceExposureRule.defaultLevel,
  severity: "high",
  remediationSteps:
    "Use a ClusterIP Service behind the API gateway, or allow the Service in the policy config.",
  defaults: ruleDefaults(serviceExposureRule) as unknown as ServiceExposureConfig,

  properties: {
    modelServerLabel: modelServerLabelSchema,
    modelServerSelectors: modelServerSelectorsSchema,
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

const EXPOSING: ReadonlySet<string> = new Set(EXPOSING_SERVICE_TYPES);

/** The service-exposure findings for a whole stack, namespace by namespace. */
export function checkServiceExposure(index: StackIndex, config: ServiceExposureConfig): Finding[] {
  const findings: Finding[] = [];
  const { modelServerLabel } = config;
  for (const bucket of index.namespaces.values()) {
    const exposed = new SelectorIndex<K8sResource>();
    const candidates: K8sResource[] = [];
    for (const service of bucket.services) {
      const spec = obj(service.object.spec);
      const rawType = spec?.type;
      if (isUnknown(rawType)) continue;
      const serviceType = str(rawType) ?? "ClusterIP";
      if (!EXPOSING.has(serviceType) || config.allowedTypes.includes(serviceType)) continue;
      if (config.allowedServices.includes(`${service.namespace}/${service.name}`)) continue;
      exposed.add(parseMapSelector(spec?.selector), service);
      candidates.push(service);
    }
    if (candidates.length === 0) continue;
    const fronted = new Map<K8sResource, PodTemplate[]>();
    for (const workload of bucket.workloads) {
      if (workload.labelsUnknown || !isModelServer(workload, config)) continue;
      for (const service of exposed.matching(workload.labels)) {
        const servers = fronted.get(service);
        if (servers) servers.push(workload);
        else fronted.set(service, [workload]);
      }
    }
    for (const service of candidates) {
      const spec = obj(service.object.spec) ?? {};
      const selector = parseMapSelector(spec.selector);
      const servers = fronted.get(service) ?? [];
      const namesModelServerLabel = selectsOnlyModelServers(selector, config);
      if (servers.length === 0 && !namesModelServerLabel) continue;
      const what =
        servers.length > 0
          ? `selects ${servers.map((server) => server.resource.ref).join(", ")}`
          : selector.type === "requirements" &&
              implies(selector, selectorForLabels({ [modelServerLabel.key]: modelServerLabel.value }))
            ? `selects pods labelled ${modelServerLabel.key}=${modelServerLabel.value}`
            : "selects only pods a modelServerSelectors entry matches";
      findings.push(
        violation({
          resource: service.ref,
          problem: render(serviceExposureRule.messages.exposed, { type: str(spec.type) ?? "" }),
          path: "spec.type",
          found: `"${str(spec.type) ?? ""}"; selector ${describeSelector(selector)} ${what}`,
          fix: `use type ClusterIP and route through the API gateway, or allow it in the service-exposure config (allowedTypes, or allowedServices: ["${service.namespace}/${service.name}"])`,
          urn: service.urn,
        }),
      );
    }
  }
  return findings;
}

/**
 * No LoadBalancer or NodePort Service fronts model servers (it selects a model-server pod template,
 * or names the model-server label), unless the config allows it. Such a Service opens the model on
 * an address outside the cluster, around the API gateway's authentication and rate limits: an open,
 * GPU-priced endpoint.
 */
export const serviceExposure = defineStackPolicy(serviceExposureMeta, checkServiceExposure);
