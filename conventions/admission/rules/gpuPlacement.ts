/** gpu-placement: GPU pods tolerate the GPU nodes' taint and pin an allowed GPU product. */
import { GPU_PRODUCT_LABEL, GPU_TAINT, KNOWN_GPU_PRODUCTS } from "../../gpu";
import { mapOr, POD_TEMPLATE_RESOURCES, problemIf } from "../cel";
import { celString, message } from "../message";
import { stringListParam, stringParam } from "../params";
import { defineRule } from "../rule";
import { celIsGpu, limitsOf as lim, requestsOf as req } from "./gpuLimits";

/** CEL: a quantity text above zero (any GPU amount above zero makes a GPU pod). */
const positive = (value: string): string =>
  `(isQuantity(string(${value})) && quantity(string(${value})).compareTo(quantity("0")) > 0)`;

export const gpuPlacementRule = defineRule({
  policy: "gpu-placement",
  defaultLevel: "advisory",
  params: {
    extraGpuResources: stringListParam([]),
    productLabel: stringParam(GPU_PRODUCT_LABEL),
    allowedProducts: stringListParam(KNOWN_GPU_PRODUCTS),
    taintKey: stringParam(GPU_TAINT.key),
    taintEffect: stringParam(GPU_TAINT.effect),
  },
  messages: {
    notTolerated: message`the GPU pod does not tolerate the ${"taint"} taint of GPU nodes`,
    selectedNotAllowed: message`GPU product ${"product"} is not in the allowed list`,
    affinityNotAllowed: message`GPU product${"plural"} ${"products"} not in the allowed list`,
    noProduct: message`the GPU pod does not select an allowed GPU product`,
  },
  match: POD_TEMPLATE_RESOURCES,
  cel: ({ param, message: msg }) => {
    const label = param("productLabel");
    const allowed = param("allowedProducts");
    const isGpu = (n: string): string => celIsGpu(n, param("extraGpuResources"));
    const gpuContainer = (c: string): string =>
      `(${lim(c)}.exists(n, ${isGpu("n")} && ${positive(`${lim(c)}[n]`)}) || ${req(c)}.exists(n, ${isGpu("n")} && !(n in ${lim(c)}) && ${positive(`${req(c)}[n]`)}))`;
    const effect = param("taintEffect");
    const key = param("taintKey");
    const tolerates = (t: string): string =>
      `((!has(${t}.effect) || ${t}.effect == "" || ${t}.effect == ${effect}) && (has(${t}.key) && ${t}.key == ${key} ? (!has(${t}.operator) || ${t}.operator == "Exists" || ${t}.operator == "Equal") : ((!has(${t}.key) || ${t}.key == "") && has(${t}.operator) && ${t}.operator == "Exists")))`;
    const expressions = (t: string): string =>
      `(has(${t}.matchExpressions) ? ${t}.matchExpressions : []).filter(e, e.key == ${label} && e.operator == "In" && has(e.values) && size(e.values) > 0)`;
    const outside = (e: string): string => `${e}.values.filter(v, !(v in ${allowed}))`;
    const quoted = (list: string): string =>
      `${list}.map(v, ${celString('"')} + v + ${celString('"')}).join(", ")`;
    const affinity = "variables.podSpec.affinity";
    return {
      variables: [
        {
          name: "gpuPod",
          expression: `(variables.regularContainers + variables.initContainersAll).exists(c, ${gpuContainer("c")})`,
        },
        { name: "nodeSelector", expression: mapOr("variables.podSpec", "nodeSelector") },
        {
          name: "productSelected",
          expression: `${label} in variables.nodeSelector`,
        },
        {
          name: "selectedAllowed",
          expression: `variables.productSelected && variables.nodeSelector[${label}] in ${allowed}`,
        },
        {
          name: "nodeSelectorTerms",
          expression: `has(${affinity}) && has(${affinity}.nodeAffinity) && has(${affinity}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) && has(${affinity}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) ? ${affinity}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms : []`,
        },
        {
          name: "affinityOutside",
          expression: `variables.nodeSelectorTerms.map(t, ${expressions("t")}.filter(e, size(${outside("e")}) > 0).map(e, ${outside("e")})).flatten()`,
        },
        {
          name: "allTermsPin",
          expression: `size(variables.nodeSelectorTerms) > 0 && variables.nodeSelectorTerms.all(t, ${expressions("t")}.exists(e, size(${outside("e")}) == 0))`,
        },
      ],
      problems: [
        `!variables.gpuPod ? [] : ${[
          problemIf(
            `!(has(variables.podSpec.tolerations) ? variables.podSpec.tolerations : []).exists(t, ${tolerates("t")})`,
            msg("notTolerated", { taint: `${key} + ":" + ${effect}` }),
          ),
          problemIf(
            "variables.productSelected && !variables.selectedAllowed",
            msg("selectedNotAllowed", {
              product: `${celString('"')} + variables.nodeSelector[${label}] + ${celString('"')}`,
            }),
          ),
          `variables.affinityOutside.map(out, ${msg("affinityNotAllowed", { plural: `(size(out) > 1 ? "s" : "")`, products: quoted("out") })})`,
          problemIf(
            "!(variables.selectedAllowed || variables.allTermsPin) && !(variables.productSelected && !variables.selectedAllowed) && size(variables.affinityOutside) == 0",
            msg("noProduct", {}),
          ),
        ].join(" + ")}`,
      ],
    };
  },
});
