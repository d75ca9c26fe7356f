/** One component provider of the package for the unit tests, and its schema, inferred once. */
import * as path from "node:path";
import { COMPONENTS, PACKAGE_NAME } from "../../componentPackage/components";
import { MlComponentProvider } from "../../componentPackage/provider";

export interface SchemaProperty {
  readonly type?: string;
  readonly $ref?: string;
  readonly description?: string;
  readonly items?: SchemaProperty;
  readonly additionalProperties?: SchemaProperty;
}

export interface PackageSchema {
  readonly name: string;
  readonly version: string;
  readonly resources: Record<
    string,
    {
      readonly inputProperties: Record<string, SchemaProperty>;
      readonly requiredInputs: readonly string[];
      readonly properties: Record<string, SchemaProperty>;
    }
  >;
  readonly types: Record<
    string,
    {
      readonly properties?: Record<string, SchemaProperty>;
      readonly enum?: readonly { readonly value: string | number }[];
    }
  >;
}

export const PACKAGE_DIR = path.join(__dirname, "..", "..", "componentPackage");

export const packageProvider = new MlComponentProvider({
  components: COMPONENTS,
  name: PACKAGE_NAME,
  dirname: PACKAGE_DIR,
});

let schema: Promise<PackageSchema> | undefined;

/** The package's schema (inferred on first use: it type-checks the components). */
export function packageSchema(): Promise<PackageSchema> {
  schema ??= packageProvider.getSchema().then((text) => JSON.parse(text) as PackageSchema);
  return schema;
}
