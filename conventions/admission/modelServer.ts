/**
 * Which pod templates are model servers, in CEL: the pack's rule (policy/lib/modelServer.ts) of a
 * label `{key, value}` or any of a list of label selectors, matched as Kubernetes matches them.
 */

/** CEL: whether the label map `labels` satisfies the label selector `s` (a params object field). */
export function celSelectorMatches(s: string, labels: string): string {
  const labelsMatch = `(!has(${s}.matchLabels) || ${s}.matchLabels.all(k, k in ${labels} && ${labels}[k] == ${s}.matchLabels[k]))`;
  const values = (e: string): string => `(has(${e}.values) ? ${e}.values : [])`;
  const expression = (e: string): string =>
    [
      `${e}.operator == "In" ? (${e}.key in ${labels} && ${values(e)}.exists(v, v == ${labels}[${e}.key]))`,
      `${e}.operator == "NotIn" ? (!(${e}.key in ${labels}) || !${values(e)}.exists(v, v == ${labels}[${e}.key]))`,
      `${e}.operator == "Exists" ? (${e}.key in ${labels})`,
      `!(${e}.key in ${labels})`,
    ].join(" : ");
  const expressionsMatch = `(!has(${s}.matchExpressions) || ${s}.matchExpressions.all(e, ${expression("e")}))`;
  return `(${labelsMatch} && ${expressionsMatch})`;
}

/** CEL: whether `labels` carry the label `label` or match one of the selectors `selectors`. */
export function celIsModelServer(label: string, selectors: string, labels: string): string {
  return `((${label}.key in ${labels} && ${labels}[${label}.key] == ${label}.value) || ${selectors}.exists(s, ${celSelectorMatches("s", labels)}))`;
}

/**
 * CEL: whether every pod the Service-style map selector `selector` selects satisfies the label
 * selector `s`, decided requirement by requirement as the pack's `implies` does (a map selector
 * requires exactly its labels, so DoesNotExist never follows from it).
 */
export function celMapSelectorImplies(selector: string, s: string): string {
  const labelsFollow = `(!has(${s}.matchLabels) || ${s}.matchLabels.all(k, k in ${selector} && ${selector}[k] == ${s}.matchLabels[k]))`;
  const values = (e: string): string => `(has(${e}.values) ? ${e}.values : [])`;
  const expression = (e: string): string =>
    [
      `${e}.operator == "In" ? (${e}.key in ${selector} && ${selector}[${e}.key] in ${values(e)})`,
      `${e}.operator == "NotIn" ? (${e}.key in ${selector} && !(${selector}[${e}.key] in ${values(e)}))`,
      `${e}.operator == "Exists" ? (${e}.key in ${selector})`,
      "false",
    ].join(" : ");
  const expressionsFollow = `(!has(${s}.matchExpressions) || ${s}.matchExpressions.all(e, ${expression("e")}))`;
  return `(${labelsFollow} && ${expressionsFollow})`;
}

/** CEL: whether a non-empty map selector selects only model servers (the label, or a selector it implies). */
export function celSelectsOnlyModelServers(label: string, selectors: string, selector: string): string {
  return `(size(${selector}) > 0 && ((${label}.key in ${selector} && ${selector}[${label}.key] == ${label}.value) || ${selectors}.exists(s, ${celMapSelectorImplies(selector, "s")})))`;
}
