/**
 * The package's provider: the SDK's component provider, whose schema is inferred from the
 * components' Args interfaces, with two additions for consumers in other languages.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ConstructResult } from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { documentDefaults, readDocumentedDefaults } from "./defaults";
import { dependOn, knownInputs } from "./inputs";

export class MlComponentProvider extends ComponentProvider {
  private schemaWithDefaults?: Promise<string>;

  /** The inferred schema, with each input's `@default` (which inference drops) in its description. */
  override getSchema(): Promise<string> {
    this.schemaWithDefaults ??= super.getSchema().then((inferred) => {
      const schema = JSON.parse(inferred) as Parameters<typeof documentDefaults>[0];
      const dirname = this.options.dirname ?? ".";
      return JSON.stringify(documentDefaults(schema, readDocumentedDefaults(dirname)));
    });
    return this.schemaWithDefaults;
  }

  /**
   * Constructs the component from its inputs with the known ones as plain values, so that bad
   * values fail with the component's own message before it registers anything; the resources
   * those values came from stay dependencies of every child.
   */
  override async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<ConstructResult> {
    const known = await knownInputs(inputs);
    const transformations =
      known.dependencies.length === 0
        ? options.transformations
        : [dependOn(known.dependencies), ...(options.transformations ?? [])];
    return super.construct(name, type, known.inputs, { ...options, transformations });
  }
}
