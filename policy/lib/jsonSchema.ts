// A small JSON Schema validator for the subset the policies' configSchemas use (type, enum, const,
// minimum/maximum, minLength, pattern, items, minItems, uniqueItems, properties, required,
// additionalProperties). The Pulumi CLI validates --policy-pack-config with gojsonschema; the
// manifest checker and the tests use this so that both environment files are checked the same way.

import type { PolicyConfigSchema } from "@pulumi/policy";

export type JsonSchema = PolicyConfigSchema["properties"][string];

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validation errors as "path: problem" strings; empty when valid. */
export function validateJson(value: unknown, schema: JsonSchema | boolean, path = "(root)"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(value, t))) {
      return [`${path}: expected ${types.join(" or ")}, found ${typeOf(value)} ${JSON.stringify(value)}`];
    }
  }
  if (schema.const !== undefined && !deepEqual(value, schema.const)) {
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => deepEqual(e, value))) {
    errors.push(
      `${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, found ${JSON.stringify(value)}`,
    );
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      errors.push(`${path}: must be >= ${schema.minimum}, found ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      errors.push(`${path}: must be <= ${schema.maximum}, found ${value}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push(`${path}: must have at least ${schema.minLength} characters`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
      errors.push(`${path}: must match /${schema.pattern}/, found ${JSON.stringify(value)}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${path}: must have at least ${schema.minItems} items`);
    }
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      errors.push(`${path}: items must be unique`);
    }
    const items = schema.items;
    if (items !== undefined && !Array.isArray(items)) {
      value.forEach((v, i) => errors.push(...validateJson(v, items, `${path}[${i}]`)));
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const req of schema.required ?? []) {
      if (!(req in o)) errors.push(`${path}: ${req} is required`);
    }
    const props: Partial<Record<string, JsonSchema | boolean>> = schema.properties ?? {};
    for (const [k, v] of Object.entries(o)) {
      const sub = props[k];
      if (sub !== undefined) errors.push(...validateJson(v, sub, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown property "${k}"`);
      else if (schema.additionalProperties !== undefined) {
        errors.push(...validateJson(v, schema.additionalProperties, `${path}.${k}`));
      }
    }
  }
  return errors;
}
