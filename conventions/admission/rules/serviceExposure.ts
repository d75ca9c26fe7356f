/**
 * service-exposure, the part one Service shows: a LoadBalancer or NodePort Service whose selector
 * selects only model servers (it names the model-server label, or implies a model-server selector).
 */
import { MODEL_SERVER_LABEL, UPSTREAM_MODEL_SERVER_SELECTORS } from "../../labels";
import { celList } from "../cel";
import { message } from "../message";
import { celSelectsOnlyModelServers } from "../modelServer";
import { labelParam, selectorListParam, stringListParam } from "../params";
import { defineRule } from "../rule";

/** Service types reachable from outside the cluster. */
export const EXPOSING_SERVICE_TYPES: readonly string[] = ["LoadBalancer", "NodePort"];

export const serviceExposureRule = defineRule({
  policy: "service-exposure",
  defaultLevel: "advisory",
  params: {
    modelServerLabel: labelParam(MODEL_SERVER_LABEL),
    modelServerSelectors: selectorListParam(UPSTREAM_MODEL_SERVER_SELECTORS),
    allowedTypes: stringListParam([]),
    allowedServices: stringListParam([]),
  },
  messages: {
    exposed: message`a ${"type"} Service exposes model servers outside the cluster`,
  },
  match: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["services"] }],
  cel: ({ param, message: msg }) => ({
    variables: [
      { name: "serviceType", expression: `has(object.spec.type) ? object.spec.type : "ClusterIP"` },
      { name: "serviceSelector", expression: `has(object.spec.selector) ? object.spec.selector : {}` },
    ],
    problems: [
      `variables.serviceType in ${celList(EXPOSING_SERVICE_TYPES)} && !(variables.serviceType in ${param("allowedTypes")}) && !((request.namespace + "/" + object.metadata.name) in ${param("allowedServices")}) && ${celSelectsOnlyModelServers(param("modelServerLabel"), param("modelServerSelectors"), "variables.serviceSelector")} ? [${msg("exposed", { type: "variables.serviceType" })}] : []`,
    ],
  }),
  packOnly:
    "an exposing Service whose selector selects a model-server workload of the stack without naming the model-server label (that needs the stack's workloads)",
});
