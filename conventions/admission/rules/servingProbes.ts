/** serving-probes: every regular container of a model server has readiness and liveness probes with a handler. */
import { MODEL_SERVER_LABEL, UPSTREAM_MODEL_SERVER_SELECTORS } from "../../labels";
import { containerSubject, POD_TEMPLATE_RESOURCES, REGULAR_CONTAINERS } from "../cel";
import { celString, message } from "../message";
import { celIsModelServer } from "../modelServer";
import { booleanParam, labelParam, selectorListParam, stringListParam } from "../params";
import { defineRule } from "../rule";

/** The probe handlers Kubernetes knows; a probe with none of them never succeeds. */
export const PROBE_HANDLERS: readonly string[] = ["httpGet", "tcpSocket", "exec", "grpc"];

const PROBES = ["readinessProbe", "livenessProbe", "startupProbe"] as const;

export const servingProbesRule = defineRule({
  policy: "serving-probes",
  defaultLevel: "advisory",
  params: {
    modelServerLabel: labelParam(MODEL_SERVER_LABEL),
    modelServerSelectors: selectorListParam(UPSTREAM_MODEL_SERVER_SELECTORS),
    requireStartupProbe: booleanParam(false),
    exemptContainers: stringListParam([]),
  },
  messages: {
    missing: message`the model server has no ${"probes"}`,
    noHandler: message`${"probe"} has no handler`,
  },
  match: POD_TEMPLATE_RESOURCES,
  cel: ({ param, message: msg }) => {
    const wanted = (probe: (typeof PROBES)[number]): string =>
      probe === "startupProbe" ? param("requireStartupProbe") : "true";
    const problems = (c: string): string => {
      const missing = PROBES.map(
        (probe) => `(${wanted(probe)} && !has(${c}.${probe}) ? ["${probe}"] : [])`,
      ).join(" + ");
      const noHandler = PROBES.map((probe) => {
        const handled = PROBE_HANDLERS.map((handler) => `has(${c}.${probe}.${handler})`).join(" || ");
        return `(${wanted(probe)} && has(${c}.${probe}) && !(${handled}) ? [${msg("noHandler", { probe: celString(probe) })}] : [])`;
      });
      return [
        `((${missing}).size() > 0 ? [${msg("missing", { probes: `(${missing}).join(" or ")` })}] : [])`,
        ...noHandler,
      ].join(" + ");
    };
    const containers = `${REGULAR_CONTAINERS.list}.filter(c, !${param("exemptContainers")}.exists(e, e == c.name))`;
    const perContainer = `${containers}.map(c, (${problems("c")}).map(p, ${containerSubject(REGULAR_CONTAINERS)} + ": " + p)).flatten()`;
    return {
      variables: [
        {
          name: "isModelServer",
          expression: celIsModelServer(
            param("modelServerLabel"),
            param("modelServerSelectors"),
            "variables.podLabels",
          ),
        },
      ],
      problems: [`variables.isModelServer ? ${perContainer} : []`],
    };
  },
  packOnly: "custom resources a customResources entry marks as model servers",
});
