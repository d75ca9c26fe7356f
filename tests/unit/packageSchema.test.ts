/**
 * The component package's schema against the components' TypeScript Args interfaces, read here
 * independently of the schema inference: every component, every input with its type, whether it
 * is required, its doc comment and its `@default`. An Args shape the schema cannot express, or a
 * change to the schema's making, fails here rather than in a consumer's program.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import ts from "typescript";
import * as publicSurface from "../../components";
import { COMPONENTS, PACKAGE_NAME } from "../../componentPackage/components";
import { PACKAGE_DIR, packageSchema, type PackageSchema, type SchemaProperty } from "./packageProvider";

/** One input as the TypeScript declares it. */
interface DeclaredInput {
  readonly name: string;
  readonly optional: boolean;
  readonly doc: string;
  readonly defaultText: string | undefined;
  readonly typeText: string;
}

function declaredArgs(): Map<string, DeclaredInput[]> {
  const config = ts.readConfigFile(path.join(PACKAGE_DIR, "tsconfig.json"), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, PACKAGE_DIR);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const checker = program.getTypeChecker();
  const names = new Set(COMPONENTS.map((c) => c.name));
  const result = new Map<string, DeclaredInput[]>();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    ts.forEachChild(file, (node) => {
      if (!ts.isClassDeclaration(node) || node.name === undefined || !names.has(node.name.text)) return;
      const ctor = node.members.find(ts.isConstructorDeclaration);
      const argsParam = ctor?.parameters.find((p) => p.name.getText(file) === "args");
      assert.ok(argsParam?.type, `${node.name.text} has a constructor with typed args`);
      const argsType = checker.getTypeFromTypeNode(argsParam.type);
      result.set(
        node.name.text,
        checker.getPropertiesOfType(argsType).map((symbol) => {
          const declaration = symbol.valueDeclaration;
          assert.ok(declaration && ts.isPropertySignature(declaration) && declaration.type);
          const defaultTag = symbol.getJsDocTags(checker).find((t) => t.name === "default");
          return {
            name: symbol.name,
            optional: (symbol.flags & ts.SymbolFlags.Optional) !== 0,
            doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)),
            defaultText: defaultTag ? ts.displayPartsToString(defaultTag.text) : undefined,
            typeText: declaration.type.getText(declaration.getSourceFile()),
          };
        }),
      );
    });
  }
  return result;
}

const normalized = (text: string | undefined) => (text ?? "").replace(/\s+/g, " ").trim();

/** Checks a schema property against a declared TypeScript type, as written. */
function assertSchemaType(
  schema: PackageSchema,
  where: string,
  typeText: string,
  property: SchemaProperty,
): void {
  const text = typeText.replace(/\s+/g, " ").trim();
  const input = /^pulumi\.Input<(.*)>$/.exec(text);
  if (input) {
    assertSchemaType(schema, where, input[1], property);
    return;
  }
  if (["string", "number", "boolean"].includes(text)) {
    assert.equal(property.type, text, `${where}: ${text}`);
    return;
  }
  const array = /^(.*)\[\]$/.exec(text);
  if (array) {
    assert.equal(property.type, "array", `${where}: an array`);
    assert.ok(property.items, `${where}: array items`);
    assertSchemaType(schema, `${where}[]`, array[1], property.items);
    return;
  }
  const readonly = /^Readonly<(.*)>$/.exec(text);
  if (readonly) {
    assertSchemaType(schema, where, readonly[1], property);
    return;
  }
  const map = /^Record<string, (.*)>$/.exec(text);
  if (map) {
    assert.equal(property.type, "object", `${where}: a map`);
    if (map[1] === "any") {
      assert.equal(property.additionalProperties?.$ref, "pulumi.json#/Any", `${where}: values Any`);
      return;
    }
    assert.ok(property.additionalProperties, `${where}: map values`);
    assertSchemaType(schema, `${where} values`, map[1], property.additionalProperties);
    return;
  }
  if (/^[A-Z][A-Za-z]*$/.test(text)) {
    const token = `${PACKAGE_NAME}:index:${text}`;
    assert.equal(property.$ref, `#/types/${token}`, `${where}: a reference to ${text}`);
    assert.ok(schema.types[token], `${where}: the schema defines ${token}`);
    return;
  }
  assert.fail(
    `${where}: the declared type ${text} has no schema form; reshape it (README, "Component package")`,
  );
}

describe("component package schema", function () {
  // Inferring the schema type-checks the components.
  this.timeout(180_000);
  let schema: PackageSchema;
  let declared: Map<string, DeclaredInput[]>;
  before(async () => {
    schema = await packageSchema();
    declared = declaredArgs();
  });

  it("serves every public component, as k8sml:index:<class>", () => {
    const publicComponents = Object.entries(publicSurface)
      .filter(([, v]) => typeof v === "function" && v.prototype instanceof pulumi.ComponentResource)
      .map(([name]) => name)
      .sort();
    assert.deepEqual(COMPONENTS.map((c) => c.name).sort(), publicComponents);
    assert.deepEqual(
      Object.keys(schema.resources).sort(),
      publicComponents.map((name) => `${PACKAGE_NAME}:index:${name}`),
    );
    assert.equal(schema.name, PACKAGE_NAME);
  });

  it("lists each component's inputs as its Args declare them: names, required, types", () => {
    for (const [component, inputs] of declared) {
      const resource = schema.resources[`${PACKAGE_NAME}:index:${component}`];
      assert.ok(resource, component);
      assert.deepEqual(
        Object.keys(resource.inputProperties).sort(),
        inputs.map((i) => i.name).sort(),
        `${component}: inputs`,
      );
      assert.deepEqual(
        [...resource.requiredInputs].sort(),
        inputs
          .filter((i) => !i.optional)
          .map((i) => i.name)
          .sort(),
        `${component}: required inputs`,
      );
      for (const input of inputs) {
        assertSchemaType(
          schema,
          `${component}.${input.name}`,
          input.typeText,
          resource.inputProperties[input.name],
        );
      }
    }
  });

  it("describes each input with its doc comment and its documented default", () => {
    let withDefault = 0;
    for (const [component, inputs] of declared) {
      const resource = schema.resources[`${PACKAGE_NAME}:index:${component}`];
      for (const input of inputs) {
        const description = resource.inputProperties[input.name].description;
        assert.ok(input.doc !== "", `${component}.${input.name} has a doc comment`);
        const expected =
          input.defaultText === undefined ? input.doc : `${input.doc} Default: ${input.defaultText}`;
        assert.equal(normalized(description), normalized(expected), `${component}.${input.name}`);
        if (input.defaultText !== undefined) withDefault++;
      }
    }
    assert.ok(withDefault > 100, `${withDefault} inputs document a default`);
  });

  it("describes the fields of every nested input type with their defaults", () => {
    const options = schema.types[`${PACKAGE_NAME}:index:AutoscalerOptions`];
    assert.ok(options.properties);
    assert.equal(options.properties.minReplicas.type, "number");
    assert.match(options.properties.minReplicas.description ?? "", /Default: 1$/);
    const source = schema.types[`${PACKAGE_NAME}:index:RequestsPerSecondSource`];
    assert.deepEqual(
      source.enum?.map((e) => e.value),
      ["prometheus-adapter"],
    );
  });
});
