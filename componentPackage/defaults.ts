/**
 * The `@default` tags of the components' doc comments, for the package schema. Schema inference
 * keeps a property's doc comment but drops its tags; this puts each default back at the end of
 * the description. Defaults stay text, not the schema's `default` field, because many depend on
 * other inputs ("8000, or 8080 for tgi") and generated SDKs would apply a `default` blindly.
 */
import * as path from "node:path";
import ts from "typescript";

/** Documented defaults: by interface name, by property name, the `@default` text. */
export interface DocumentedDefaults {
  readonly byInterface: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The Args interface of each component class. */
  readonly argsOfComponent: ReadonlyMap<string, string>;
}

/** Reads the defaults of every interface in the package's program (its tsconfig.json). */
export function readDocumentedDefaults(dirname: string): DocumentedDefaults {
  const configPath = path.join(dirname, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  // Binding sets the parent links the JSDoc lookup walks.
  program.getTypeChecker();
  const own = new Map<string, Map<string, string>>();
  const bases = new Map<string, string[]>();
  const argsOfComponent = new Map<string, string>();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    file.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) {
        const defaults = new Map<string, string>();
        for (const member of node.members) {
          const text = defaultTag(member);
          if (member.name !== undefined && text !== undefined) {
            defaults.set(member.name.getText(file), text);
          }
        }
        own.set(node.name.text, defaults);
        bases.set(
          node.name.text,
          (node.heritageClauses ?? []).flatMap((clause) =>
            clause.types.map((base) => base.expression.getText(file)),
          ),
        );
      } else if (ts.isClassDeclaration(node) && node.name !== undefined) {
        const args = argsInterfaceOf(node, file);
        if (args !== undefined) argsOfComponent.set(node.name.text, args);
      }
    });
  }
  // An interface documents its own properties and inherits those of the ones it extends.
  const inherited = (name: string): Map<string, string> =>
    new Map([...(bases.get(name) ?? []).flatMap((base) => [...inherited(base)]), ...(own.get(name) ?? [])]);
  const byInterface = new Map([...own.keys()].map((name) => [name, inherited(name)]));
  return { byInterface, argsOfComponent };
}

function defaultTag(member: ts.Node): string | undefined {
  const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === "default");
  if (tag === undefined) return undefined;
  const comment = ts.getTextOfJSDocComment(tag.comment)?.trim();
  return comment === undefined || comment === "" ? undefined : comment.replace(/\s+/g, " ");
}

/** The type name of the `args` parameter of a class's constructor. */
function argsInterfaceOf(node: ts.ClassDeclaration, file: ts.SourceFile): string | undefined {
  for (const member of node.members) {
    if (!ts.isConstructorDeclaration(member)) continue;
    const args = member.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === "args");
    if (args?.type !== undefined && ts.isTypeReferenceNode(args.type)) {
      return args.type.typeName.getText(file);
    }
  }
  return undefined;
}

interface PropertySpec {
  description?: string;
}
interface SchemaSpec {
  name: string;
  resources: Record<string, { inputProperties?: Record<string, PropertySpec> }>;
  types: Record<string, { properties?: Record<string, PropertySpec> }>;
}

/** The schema with `Default: <text>` appended to the description of each documented input. */
export function documentDefaults<S extends SchemaSpec>(schema: S, defaults: DocumentedDefaults): S {
  const prefix = `${schema.name}:index:`;
  const annotate = (properties: Record<string, PropertySpec> | undefined, interfaceName: string) => {
    const documented = defaults.byInterface.get(interfaceName);
    if (properties === undefined || documented === undefined) return;
    for (const [property, spec] of Object.entries(properties)) {
      const text = documented.get(property);
      if (text === undefined) continue;
      spec.description = `${spec.description ?? ""}${spec.description ? "\n\n" : ""}Default: ${text}`;
    }
  };
  for (const [token, resource] of Object.entries(schema.resources)) {
    const args = defaults.argsOfComponent.get(token.slice(prefix.length));
    if (args !== undefined) annotate(resource.inputProperties, args);
  }
  for (const [token, type] of Object.entries(schema.types)) {
    annotate(type.properties, token.slice(prefix.length));
  }
  return schema;
}
