// The report's Pods table: each pod with its phase, the simulated node it landed on, the GPUs
// it asks for and that node's GPU product.

import { GPU_PRODUCT_LABEL, GPU_RESOURCE } from "../../conventions/gpu";
import type { Node, Pod } from "./kubernetesObjects";
import type { Cell } from "./table";

/** The whole GPUs a pod requests, over its containers and init containers. */
export function gpusOf(pod: Pod): number {
  return [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]
    .map((container) => Number(container.resources?.requests?.[GPU_RESOURCE] ?? 0))
    .reduce((sum, gpus) => sum + gpus, 0);
}

/** The pods by name (locale order, as the report always sorted them). */
export function sortedPods(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * One row per pod: POD, PHASE, NODE, GPUS, NODE GPU PRODUCT. A node without the product label
 * is a CPU node; an unscheduled pod (or one on a node kubectl did not list) shows "-".
 */
export function podRows(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): Cell[][] {
  return pods.map((pod) => {
    const node = nodes.get(pod.spec.nodeName ?? "");
    const product = node?.metadata.labels?.[GPU_PRODUCT_LABEL] ?? (node === undefined ? "-" : "- (CPU node)");
    return [pod.metadata.name, pod.status?.phase, pod.spec.nodeName ?? "(unscheduled)", gpusOf(pod), product];
  });
}
