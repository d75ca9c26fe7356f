/**
 * Simulated load on the local cluster: KWOK reports each container's CPU and memory from its
 * pod's annotations (cluster/kwok/metrics.yaml), and metrics-server serves what KWOK reports.
 * A load generator keeps the annotation on every pod a selector matches, new pods included,
 * as traffic spread over all replicas would.
 */
import { kubectlRun } from "./cluster";
import { describeRun } from "./run";

export const USAGE_CPU_ANNOTATION = "kwok.x-k8s.io/usage-cpu";

/** Sets the simulated CPU use of every pod the selector matches now. */
export async function setSimulatedCpu(namespace: string, selector: string, cpu: string): Promise<void> {
  const args = [
    "annotate",
    "pods",
    "-n",
    namespace,
    "-l",
    selector,
    `${USAGE_CPU_ANNOTATION}=${cpu}`,
    "--overwrite",
  ];
  const result = await kubectlRun(args);
  if (result.code !== 0) throw new Error(describeRun("kubectl", args, result));
}

export interface Load {
  /** Stops re-annotating new pods; the pods keep their last annotation. */
  stop(): Promise<void>;
}

/**
 * Puts `cpu` on every pod of the selector, and on each pod that appears later, until stopped.
 * A failed round is retried at the next one (a pod may vanish between list and annotate).
 */
export async function startLoad(
  namespace: string,
  selector: string,
  cpu: string,
  intervalMs = 2000,
): Promise<Load> {
  await setSimulatedCpu(namespace, selector, cpu);
  const state = { stopped: false };
  const loop = (async () => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (state.stopped) break;
      await setSimulatedCpu(namespace, selector, cpu).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      state.stopped = true;
      await loop;
    },
  };
}
