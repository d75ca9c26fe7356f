/**
 * The YAML example (examples/yaml) as data, and its TypeScript twin: the same components built
 * directly from the project's TypeScript classes with the same properties, for the integration
 * test (the preview against the twin under mocks) and the end-to-end test (the deployed objects
 * against the twin deployed).
 *
 * The twin reads the YAML program itself rather than a second copy of its settings: each
 * resource's properties, with `${key}` config references replaced by the stack's values (or the
 * defaults the program declares), become the component's arguments. Only what the example uses
 * is understood (config references, literals, `options.dependsOn` on earlier resources); anything
 * else fails loudly, so the twin can never silently differ from the program.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { DistributedTraining } from "../../components/distributedTraining";
import { GpuTenancy } from "../../components/gpuTenancy";
import { ModelServing } from "../../components/modelServing";

export const YAML_EXAMPLE_DIR = path.resolve(__dirname, "..", "..", "examples", "yaml");

/** The component package's name and the tokens of the components the example uses. */
export const PACKAGE_NAME = "k8sml";
export const COMPONENT_TOKENS = {
  GpuTenancy: `${PACKAGE_NAME}:index:GpuTenancy`,
  ModelServing: `${PACKAGE_NAME}:index:ModelServing`,
  DistributedTraining: `${PACKAGE_NAME}:index:DistributedTraining`,
} as const;

/** One resource of the program, its properties resolved against the stack's config. */
export interface ExampleResource {
  readonly name: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly dependsOn: string[];
}

export interface YamlExample {
  readonly project: string;
  /** The `packages:` entries of Pulumi.yaml (name to source). */
  readonly packages: Record<string, string>;
  /** Config values by key (no project prefix): the stack file's, else the declared defaults. */
  readonly config: Record<string, unknown>;
  readonly resources: ExampleResource[];
}

interface ProgramFile {
  readonly name: string;
  readonly packages?: Record<string, string>;
  readonly config?: Record<string, { readonly type?: string; readonly default?: unknown }>;
  readonly resources: Record<
    string,
    {
      readonly type: string;
      readonly properties?: Record<string, unknown>;
      readonly options?: Record<string, unknown>;
    }
  >;
}

/** The stack file examples/yaml/Pulumi.<stack>.yaml, as text. */
export function yamlStackFile(stack: string): string {
  return readFileSync(path.join(YAML_EXAMPLE_DIR, `Pulumi.${stack}.yaml`), "utf8");
}

/** Reads examples/yaml/Pulumi.yaml and resolves it against a stack file's text. */
export function readYamlExample(stackFileText: string): YamlExample {
  const program = parse(readFileSync(path.join(YAML_EXAMPLE_DIR, "Pulumi.yaml"), "utf8")) as ProgramFile;
  const stackConfig = (parse(stackFileText) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const config: Record<string, unknown> = {};
  for (const [key, declared] of Object.entries(program.config ?? {})) {
    const value = stackConfig[`${program.name}:${key}`] ?? declared.default;
    if (value === undefined) throw new Error(`examples/yaml: config ${key} has no value and no default`);
    config[key] = declared.type === "integer" ? Number(value) : value;
  }
  for (const key of Object.keys(stackConfig)) {
    const bare = key.startsWith(`${program.name}:`) ? key.slice(program.name.length + 1) : undefined;
    if (bare === undefined || !(bare in config)) {
      throw new Error(`examples/yaml: the stack file sets ${key}, which Pulumi.yaml does not declare`);
    }
  }
  const names = new Set(Object.keys(program.resources));
  const resources = Object.entries(program.resources).map(([name, resource]): ExampleResource => {
    const { dependsOn, ...otherOptions } = resource.options ?? {};
    if (Object.keys(otherOptions).length > 0) {
      throw new Error(`examples/yaml: ${name}: options other than dependsOn are not understood by the twin`);
    }
    const dependencies = ((dependsOn ?? []) as unknown[]).map((entry) => {
      const match = typeof entry === "string" ? /^\$\{([A-Za-z][\w-]*)\}$/.exec(entry) : null;
      if (match === null || !names.has(match[1])) {
        throw new Error(`examples/yaml: ${name}: dependsOn entry ${JSON.stringify(entry)} is not a resource`);
      }
      return match[1];
    });
    const properties = resolve(resource.properties ?? {}, config, `${name}.properties`) as Record<
      string,
      unknown
    >;
    return { name, type: resource.type, properties, dependsOn: dependencies };
  });
  return { project: program.name, packages: program.packages ?? {}, config, resources };
}

/** Replaces `${key}` config references (the whole value keeps the config value's type). */
function resolve(value: unknown, config: Record<string, unknown>, where: string): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([A-Za-z][\w-]*)\}$/.exec(value);
    if (whole !== null) return configValue(whole[1], config, where);
    return value.replace(/\$\{([^}]*)\}/g, (_, key: string) => String(configValue(key, config, where)));
  }
  if (Array.isArray(value)) return value.map((item, i) => resolve(item, config, `${where}[${String(i)}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolve(item, config, `${where}.${key}`)]),
    );
  }
  return value;
}

function configValue(key: string, config: Record<string, unknown>, where: string): unknown {
  if (!(key in config)) throw new Error(`examples/yaml: ${where} refers to \${${key}}, which is not config`);
  return config[key];
}

type ComponentClass = new (
  name: string,
  args: never,
  opts?: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource;

/** The TypeScript class behind each package token the example uses. */
const CLASSES: Record<string, ComponentClass> = {
  [COMPONENT_TOKENS.GpuTenancy]: GpuTenancy,
  [COMPONENT_TOKENS.ModelServing]: ModelServing,
  [COMPONENT_TOKENS.DistributedTraining]: DistributedTraining,
};

/**
 * Builds the example's resources with the TypeScript classes, in the program's order (a
 * resource may depend only on earlier ones), and returns them by name. Call it inside a Pulumi
 * program (an Automation API inline program or under mocks).
 */
export function buildTwin(example: YamlExample): Map<string, pulumi.ComponentResource> {
  const built = new Map<string, pulumi.ComponentResource>();
  for (const resource of example.resources) {
    const Class = CLASSES[resource.type] as ComponentClass | undefined;
    if (Class === undefined)
      throw new Error(`examples/yaml: ${resource.name}: no TypeScript class for ${resource.type}`);
    const dependsOn = resource.dependsOn.map((name) => {
      const dependency = built.get(name);
      if (dependency === undefined) {
        throw new Error(`examples/yaml: ${resource.name} depends on ${name}, declared after it`);
      }
      return dependency;
    });
    built.set(
      resource.name,
      new Class(resource.name, resource.properties as never, dependsOn.length > 0 ? { dependsOn } : {}),
    );
  }
  return built;
}
