/**
 * What counts as a model server: a pod template carrying the project's label (modelServerLabel)
 * or matching one of the configurable label selectors (modelServerSelectors, by default the
 * labels upstream servers and charts put on their pods); and its named ports.
 */

import { type LabelRef, MODEL_SERVER_LABEL, UPSTREAM_MODEL_SERVER_SELECTORS } from "../../conventions/labels";
import type { JsonSchema } from "./jsonSchema";
import type { PodTemplate } from "./podTemplate";
import {
  implies,
  labelSelectorSchema,
  matchesLabels,
  parseLabelSelector,
  selectorForLabels,
  type Selector,
} from "./selectors";
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

/** A Kubernetes label selector as config holds it ({matchLabels?, matchExpressions?}). */
export type LabelSelectorConfig = Readonly<Record<string, unknown>>;

/** The settings of every policy that recognises model servers. */
export interface ModelServerConfig {
  readonly modelServerLabel: LabelRef;
  readonly modelServerSelectors: readonly LabelSelectorConfig[];
}

/** Pods of upstream model servers by their charts' and operators' labels (conventions/labels.ts). */
export const DEFAULT_MODEL_SERVER_SELECTORS: readonly LabelSelectorConfig[] = UPSTREAM_MODEL_SERVER_SELECTORS;

/** The configSchema of modelServerSelectors. */
export const modelServerSelectorsSchema: JsonSchema = {
  type: "array",
  description:
    "Label selectors ({matchLabels, matchExpressions}); a pod template matching any of them is a model server too ([]: only modelServerLabel).",
  items: labelSelectorSchema,
};

const matcherCache = new WeakMap<ModelServerConfig, readonly Selector[]>();

/** The parsed selectors recognising model servers: the label's, then the configured ones. */
export function modelServerMatchers(config: ModelServerConfig): readonly Selector[] {
  let matchers = matcherCache.get(config);
  if (!matchers) {
    matchers = [
      selectorForLabels({ [config.modelServerLabel.key]: config.modelServerLabel.value }),
      ...config.modelServerSelectors.map((selector) => parseLabelSelector(selector)),
    ];
    matcherCache.set(config, matchers);
  }
  return matchers;
}

/** Whether the pod template is a model server (its custom-resource table entry may say so too). */
export function isModelServer(template: PodTemplate, config: ModelServerConfig): boolean {
  if (template.modelServer === true) return true;
  return modelServerMatchers(config).some((matcher) => matchesLabels(matcher, template.labels));
}

/** Whether every pod a selector selects is a model server (it implies one of the matchers). */
export function selectsOnlyModelServers(selector: Selector, config: ModelServerConfig): boolean {
  return (
    selector.type === "requirements" &&
    modelServerMatchers(config).some((matcher) => implies(selector, matcher))
  );
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
