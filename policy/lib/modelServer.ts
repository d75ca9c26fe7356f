/** What counts as a model server (a pod template carrying a configurable label), and its named ports. */

import { type LabelRef, MODEL_SERVER_LABEL } from "../../conventions/labels";
import type { JsonSchema } from "./jsonSchema";
import type { PodTemplate } from "./podTemplate";
import { arr, num, obj, str } from "./values";

export type { LabelRef };

/** The project's model-server label, the default of every policy that recognises model servers. */
export const DEFAULT_MODEL_SERVER_LABEL: LabelRef = MODEL_SERVER_LABEL;

/** The configSchema of a label (key and value), with its description. */
export const labelRefSchema = (description: string): JsonSchema => ({
  type: "object",
  description,
  properties: { key: { type: "string", minLength: 1 }, value: { type: "string" } },
  required: ["key", "value"],
  additionalProperties: false,
});

/** The configSchema of modelServerLabel, shared by the policies that recognise model servers. */
export const modelServerLabelSchema = labelRefSchema(
  "A pod template whose labels include key=value is a model server.",
);

/** Whether the pod template carries the model-server label. */
export function isModelServer(template: PodTemplate, label: LabelRef): boolean {
  return template.labels[label.key] === label.value;
}

/** The containerPort a pod template's containers declare under `name`, if any. */
export function namedContainerPort(template: PodTemplate, name: string): number | undefined {
  if (!template.spec) return undefined;
  for (const field of ["containers", "initContainers"] as const) {
    for (const container of arr(template.spec[field]) ?? []) {
      for (const rawPort of arr(obj(container)?.ports) ?? []) {
        const port = obj(rawPort);
        if (port && str(port.name) === name) return num(port.containerPort);
      }
    }
  }
  return undefined;
}
