// The report's GPUs section: the namespace's GPU quota and what it uses, and each GPU node's
// GPUs taken by this stack's pods.

import { GPU_PRODUCT_LABEL, GPU_RESOURCE } from "../../conventions/gpu";
import type { Node, Pod, ResourceQuota } from "./kubernetesObjects";
import { gpusOf } from "./pods";

/** The quota key of requested GPUs, `requests.nvidia.com/gpu`. */
const GPU_REQUESTS = `requests.${GPU_RESOURCE}`;

/** One line per ResourceQuota that limits GPU requests: used against hard. */
export function quotaLines(quotas: readonly ResourceQuota[], namespace: string): string[] {
  const lines: string[] = [];
  for (const quota of quotas) {
    const hard = quota.status?.hard?.[GPU_REQUESTS];
    if (hard === undefined) continue;
    const used = quota.status?.used?.[GPU_REQUESTS] ?? "0";
    lines.push(
      `  ${used} of ${hard} GPUs in use in ${namespace} (ResourceQuota ${quota.metadata.name}, ${GPU_REQUESTS})`,
    );
  }
  return lines;
}

/**
 * One line per node that advertises GPUs, by name: the GPUs this stack's running and pending
 * pods take on it, of what it has, and its product. Pending pods count: they hold their GPUs.
 */
export function nodeGpuLines(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): string[] {
  const byNode = new Map<string, number>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    const nodeName = pod.spec.nodeName;
    if ((phase === "Running" || phase === "Pending") && nodeName !== undefined && nodeName !== "")
      byNode.set(nodeName, (byNode.get(nodeName) ?? 0) + gpusOf(pod));
  }
  // Plain code-unit order of the names, as the report always sorted them.
  const names = [...nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines: string[] = [];
  for (const name of names) {
    const node = nodes.get(name);
    const capacity = node?.status?.allocatable?.[GPU_RESOURCE];
    if (node === undefined || capacity === undefined) continue;
    const product = node.metadata.labels?.[GPU_PRODUCT_LABEL] ?? "";
    lines.push(
      `  ${name.padEnd(12)} ${String(byNode.get(name) ?? 0).padStart(2)} of ${capacity} ${product} GPUs used by this stack`,
    );
  }
  return lines;
}
