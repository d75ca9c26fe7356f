// What counts as a model server: a pod template carrying a configurable label.

import type { JsonSchema } from "./jsonSchema";
import type { PodTemplate } from "./podTemplate";
import { arr, num, obj, str } from "./values";

export interface LabelRef {
  key: string;
  value: string;
}

export const DEFAULT_MODEL_SERVER_LABEL: LabelRef = {
  key: "app.kubernetes.io/component",
  value: "model-server",
};

export const labelRefSchema = (description: string): JsonSchema => ({
  type: "object",
  description,
  properties: { key: { type: "string", minLength: 1 }, value: { type: "string" } },
  required: ["key", "value"],
  additionalProperties: false,
});

export const modelServerLabelSchema = labelRefSchema(
  "A pod template whose labels include key=value is a model server.",
);

export function isModelServer(t: PodTemplate, label: LabelRef): boolean {
  return t.labels[label.key] === label.value;
}

/** The containerPort a pod template's containers declare under `name`, if any. */
export function namedContainerPort(t: PodTemplate, name: string): number | undefined {
  if (!t.spec) return undefined;
  for (const field of ["containers", "initContainers"]) {
    for (const c of arr(t.spec[field]) ?? []) {
      for (const p of arr(obj(c)?.ports) ?? []) {
        const port = obj(p);
        if (port && str(port.name) === name) return num(port.containerPort);
      }
    }
  }
  return undefined;
}
