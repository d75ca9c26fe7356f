import { type ComponentRole, LabelKeys, PART_OF } from "../../conventions/labels";

/** The package segment of every component type token (`k8sml:<module>:<Type>`). */
export const PACKAGE = "k8sml";

/**
 * Labels that select the pods of one workload. They never change after creation, because a
 * Deployment's or StatefulSet's selector is immutable.
 */
export function selectorLabels(appName: string, instance: string): Record<string, string> {
  return { [LabelKeys.name]: appName, [LabelKeys.instance]: instance };
}

/** The full recommended label set for an object of one workload. */
export function standardLabels(
  appName: string,
  instance: string,
  role: ComponentRole,
): Record<string, string> {
  return {
    ...selectorLabels(appName, instance),
    [LabelKeys.component]: role,
    [LabelKeys.partOf]: PART_OF,
    [LabelKeys.managedBy]: "pulumi",
  };
}
