/** Stack config rules of KEDA's keys: scale to zero needs a wake-up trigger, KEDA keys need keda. */
import type { ConfigProblem } from "./problems";
import type { ModelConfig } from "./schema";

type Scaling = NonNullable<ModelConfig["autoscaling"]>;

/** The KEDA-only keys of a model's autoscaling (they configure the ScaledObject). */
const KEDA_ONLY_KEYS = [
  "wakeUpPodSelector",
  "wakeUpPodsPerReplica",
  "kedaPollingIntervalSeconds",
  "kedaCooldownSeconds",
] as const;

/**
 * Problems of a model's KEDA keys. Stack config cannot set a prometheusQuery, so the only trigger
 * that can wake a server from zero here is wakeUpPodSelector.
 */
export function kedaProblems(scaling: Scaling, path: readonly (string | number)[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (scaling.minReplicas === 0) {
    if (!scaling.keda) {
      problems.push({
        path: [...path, "minReplicas"],
        value: 0,
        allowed: "at least 1 with an HPA (scaling to zero needs keda: true and wakeUpPodSelector)",
      });
    } else if (scaling.wakeUpPodSelector === undefined) {
      problems.push({
        path: [...path, "minReplicas"],
        value: 0,
        allowed:
          "at least 1 unless wakeUpPodSelector names the pods whose presence wakes the server (nothing else can wake it from zero: CPU cannot be read with no pods)",
      });
    }
  }
  for (const key of KEDA_ONLY_KEYS) {
    if (scaling[key] !== undefined && !scaling.keda) {
      problems.push({
        path: [...path, key],
        value: scaling[key],
        allowed: "unset unless keda is true (it configures the KEDA ScaledObject)",
      });
    }
  }
  if (scaling.wakeUpPodsPerReplica !== undefined && scaling.wakeUpPodSelector === undefined) {
    problems.push({
      path: [...path, "wakeUpPodsPerReplica"],
      value: scaling.wakeUpPodsPerReplica,
      allowed: "unset unless wakeUpPodSelector is set (the pods it counts)",
    });
  }
  return problems;
}
