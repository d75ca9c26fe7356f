/**
 * A small JSON Schema validator for the subset the policies' configSchemas use (type, enum, const,
 * minimum/maximum, minLength, pattern, items, minItems, uniqueItems, properties, required,
 * additionalProperties). The Pulumi CLI validates --policy-pack-config with gojsonschema; the
 * manifest checker and the tests use this so that both environment files are checked the same way.
 */

import type { PolicyConfigSchema } from "@pulumi/policy";

/** One property schema of a policy's configSchema, as the policy SDK types it. */
export type JsonSchema = PolicyConfigSchema["properties"][string];

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function deepEqual(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Validation errors as "path: problem" strings; empty when valid. */
export function validateJson(value: unknown, schema: JsonSchema | boolean, path = "(root)"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => typeMatches(value, type))) {
      return [`${path}: expected ${types.join(" or ")}, found ${typeOf(value)} ${JSON.stringify(value)}`];
    }
  }
  if (schema.const !== undefined && !deepEqual(value, schema.const)) {
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum !== undefined && !schema.enum.some((option) => deepEqual(option, value))) {
    errors.push(
      `${path}: must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(", ")}, found ${JSON.stringify(value)}`,
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
    if (
      schema.uniqueItems === true &&
      new Set(value.map((item) => JSON.stringify(item))).size !== value.length
    ) {
      errors.push(`${path}: items must be unique`);
    }
    const items = schema.items;
    if (items !== undefined && !Array.isArray(items)) {
      value.forEach((item, index) => errors.push(...validateJson(item, items, `${path}[${index}]`)));
    }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const requiredKey of schema.required ?? []) {
      if (!(requiredKey in object)) errors.push(`${path}: ${requiredKey} is required`);
    }
    const propertySchemas: Partial<Record<string, JsonSchema | boolean>> = schema.properties ?? {};
    for (const [key, property] of Object.entries(object)) {
      const propertySchema = propertySchemas[key];
      if (propertySchema !== undefined)
        errors.push(...validateJson(property, propertySchema, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown property "${key}"`);
      else if (schema.additionalProperties !== undefined) {
        errors.push(...validateJson(property, schema.additionalProperties, `${path}.${key}`));
      }
    }
  }
  return errors;
}
