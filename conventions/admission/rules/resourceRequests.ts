/** resource-requests: CPU and memory requests (and limits) on every container, valid, request <= limit. */
import { POD_TEMPLATE_RESOURCES, perContainer } from "../cel";
import { message } from "../message";
import { booleanParam } from "../params";
import { defineRule } from "../rule";

export const resourceRequestsRule = defineRule({
  policy: "resource-requests",
  defaultLevel: "advisory",
  params: { requireCpuLimit: booleanParam(true), requireMemoryLimit: booleanParam(true) },
  messages: {
    missing: message`missing ${"fields"}`,
    invalid: message`${"field"} is not a valid quantity`,
    requestAboveLimit: message`the ${"name"} request is above the ${"name"} limit`,
  },
  match: POD_TEMPLATE_RESOURCES,
  cel: ({ param, message: msg }) => {
    const section = (c: string, name: "requests" | "limits"): string =>
      `(has(${c}.resources) && has(${c}.resources.${name}) ? ${c}.resources.${name} : {})`;
    const valid = (value: string): string =>
      `(isQuantity(string(${value})) && quantity(string(${value})).compareTo(quantity("0")) >= 0)`;
    const problems = (c: string): string => {
      const requests = section(c, "requests");
      const limits = section(c, "limits");
      const wanted = [
        `(!("cpu" in ${requests}) ? ["requests.cpu"] : [])`,
        `(!("memory" in ${requests}) ? ["requests.memory"] : [])`,
        `(${param("requireCpuLimit")} && !("cpu" in ${limits}) ? ["limits.cpu"] : [])`,
        `(${param("requireMemoryLimit")} && !("memory" in ${limits}) ? ["limits.memory"] : [])`,
      ].join(" + ");
      const invalid = (["requests", "limits"] as const).flatMap((name) =>
        ["cpu", "memory"].map((resource) => {
          const map = name === "requests" ? requests : limits;
          return `(("${resource}" in ${map}) && !${valid(`${map}["${resource}"]`)} ? [${msg("invalid", { field: `"${name}.${resource}"` })}] : [])`;
        }),
      );
      const above = ["cpu", "memory"].map(
        (resource) =>
          `(("${resource}" in ${requests}) && ("${resource}" in ${limits}) && ${valid(`${requests}["${resource}"]`)} && ${valid(`${limits}["${resource}"]`)} && quantity(string(${requests}["${resource}"])).compareTo(quantity(string(${limits}["${resource}"]))) > 0 ? [${msg("requestAboveLimit", { name: `"${resource}"` })}] : [])`,
      );
      return [
        `((${wanted}).size() > 0 ? [${msg("missing", { fields: `(${wanted}).join(", ")` })}] : [])`,
        ...invalid,
        ...above,
      ].join(" + ");
    };
    return { variables: [], problems: [perContainer(problems)] };
  },
});
