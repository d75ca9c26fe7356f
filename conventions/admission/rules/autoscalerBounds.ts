/** autoscaler-bounds: HPA and KEDA ScaledObject minimum and maximum replica counts within bounds. */
import { problemIf } from "../cel";
import { message } from "../message";
import { booleanParam, integerParam } from "../params";
import { defineRule } from "../rule";

/** KEDA's defaults for an unset minReplicaCount and maxReplicaCount. */
export const KEDA_REPLICA_DEFAULTS = { min: 0, max: 100 } as const;

export const autoscalerBoundsRule = defineRule({
  policy: "autoscaler-bounds",
  defaultLevel: "advisory",
  params: {
    maxReplicasCap: integerParam(20, 1),
    minReplicas: integerParam(1, 0),
    allowScaleToZero: booleanParam(true),
  },
  messages: {
    noMax: message`no maximum replica count`,
    aboveCap: message`the maximum replica count is above the cap of ${"cap"}`,
    belowFloor: message`the minimum replica count is below ${"floor"}`,
    minAboveMax: message`the minimum replica count is above the maximum`,
  },
  match: [
    { apiGroups: ["autoscaling"], apiVersions: ["v1", "v2"], resources: ["horizontalpodautoscalers"] },
    { apiGroups: ["keda.sh"], apiVersions: ["v1alpha1"], resources: ["scaledobjects"] },
  ],
  cel: ({ param, message: msg }) => {
    const cap = param("maxReplicasCap");
    const floor = param("minReplicas");
    return {
      variables: [
        { name: "isHpa", expression: `object.kind == "HorizontalPodAutoscaler"` },
        { name: "scaling", expression: `has(object.spec) ? dyn(object.spec) : dyn({})` },
        {
          name: "hasMax",
          expression: `!variables.isHpa || has(variables.scaling.maxReplicas)`,
        },
        {
          name: "maxCount",
          expression: `variables.isHpa ? (has(variables.scaling.maxReplicas) ? int(variables.scaling.maxReplicas) : 0) : (has(variables.scaling.maxReplicaCount) ? int(variables.scaling.maxReplicaCount) : ${KEDA_REPLICA_DEFAULTS.max})`,
        },
        {
          name: "minCount",
          expression: `variables.isHpa ? (has(variables.scaling.minReplicas) ? int(variables.scaling.minReplicas) : 1) : (has(variables.scaling.minReplicaCount) ? int(variables.scaling.minReplicaCount) : ${KEDA_REPLICA_DEFAULTS.min})`,
        },
      ],
      problems: [
        problemIf("!variables.hasMax", msg("noMax", {})),
        problemIf(
          `variables.hasMax && variables.maxCount > ${cap}`,
          msg("aboveCap", { cap: `string(${cap})` }),
        ),
        problemIf(
          `variables.minCount < ${floor} && !(variables.minCount == 0 && ${param("allowScaleToZero")})`,
          msg("belowFloor", { floor: `string(${floor})` }),
        ),
        problemIf("variables.hasMax && variables.minCount > variables.maxCount", msg("minAboveMax", {})),
      ],
    };
  },
});
