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
