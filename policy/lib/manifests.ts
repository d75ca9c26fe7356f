/** Loading plain Kubernetes YAML (files or folders, multi-document files, List kinds) as PackResources. */

import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { isKustomization, renderKustomization } from "./kustomize";
import { CLUSTER_SCOPED, parseApiVersion, pulumiTypeOf, type PackResource } from "./resource";
import { isObj, type Obj } from "./values";

/** Bad input: unreadable path, YAML syntax error, or a document that is not a Kubernetes object. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Where in the input a Kubernetes object was found. */
export interface ManifestSource {
  readonly file: string;
  /** 1-based position of the YAML document in the file. */
  readonly document: number;
  /** 0-based index in a List's items, when the object came from a List. */
  readonly item?: number;
}

/** Everything loadManifests read: the objects, where each came from, and the files. */
export interface LoadedManifests {
  readonly resources: readonly PackResource[];
  /** Where each resource (by URN) came from. */
  readonly sources: ReadonlyMap<string, ManifestSource>;
  readonly files: readonly string[];
}

/** The file extensions a folder is searched for. */
const MANIFEST_EXT: ReadonlySet<string> = new Set([".yaml", ".yml", ".json"]);

function describeError(error: unknown): string {
  if (isObj(error) && typeof error.code === "string" && typeof error.message === "string") {
    return error.code === "ENOENT" ? "no such file or directory" : error.message.replace(/^[A-Z]+: /, "");
  }
  return error instanceof Error ? error.message : String(error);
}

/** Files to read: given files as they are, folders recursively (*.yaml, *.yml, *.json), sorted. */
export function collectFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      throw new InputError(`${dir}: cannot read folder: ${describeError(error)}`);
    }
    for (const entry of entries.sort((left, right) => left.name.localeCompare(right.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && MANIFEST_EXT.has(path.extname(entry.name).toLowerCase())) files.push(full);
    }
  };
  for (const inputPath of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(inputPath);
    } catch (error) {
      throw new InputError(`${inputPath}: cannot read: ${describeError(error)}`);
    }
    if (stat.isDirectory()) walk(inputPath);
    else files.push(inputPath);
  }
  return files;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/:\s*$/, "");
}

function where(source: ManifestSource): string {
  return `${source.file}: document ${source.document}${source.item === undefined ? "" : `, items[${source.item}]`}`;
}

/** Where loadManifests reads from besides files, and how it completes objects. */
export interface LoadOptions {
  /** Standard input's text, for the path "-" (read once). */
  readonly stdin?: () => string;
  /** Renders a kustomize directory (default: `kubectl kustomize`). */
  readonly kustomize?: (dir: string) => string;
  /** The namespace of namespaced objects that have none (e.g. Helm output). */
  readonly namespace?: string;
}

function toResource(value: unknown, source: ManifestSource, namespace?: string): PackResource {
  if (!isObj(value))
    throw new InputError(
      `${where(source)}: expected a Kubernetes object, found ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw new InputError(`${where(source)}: apiVersion is missing`);
  if (typeof kind !== "string" || kind === "") throw new InputError(`${where(source)}: kind is missing`);
  if (namespace !== undefined && !CLUSTER_SCOPED.has(kind)) {
    const given = isObj(value.metadata) ? value.metadata : {};
    if (typeof given.namespace !== "string" || given.namespace === "") {
      value.metadata = { ...given, namespace };
    }
  }
  const metadata = isObj(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const type = pulumiTypeOf({ ...parseApiVersion(apiVersion), kind });
  const suffix = `${source.file}#${source.document}${source.item === undefined ? "" : `.${source.item}`}`;
  return { type, props: value, name, urn: `urn:pulumi:manifests::policy-check::${type}::${suffix}` };
}

/** One input text: a file, standard input ("-") or a rendered kustomization. */
interface InputText {
  readonly file: string;
  readonly text: string;
}

function readInputs(paths: readonly string[], options: LoadOptions): InputText[] {
  const inputs: InputText[] = [];
  const plain: string[] = [];
  const flush = (): void => {
    for (const file of collectFiles(plain.splice(0))) {
      try {
        inputs.push({ file, text: fs.readFileSync(file, "utf8") });
      } catch (error) {
        throw new InputError(`${file}: cannot read: ${describeError(error)}`);
      }
    }
  };
  let stdinRead = false;
  for (const inputPath of paths) {
    if (inputPath === "-") {
      flush();
      if (stdinRead) throw new InputError("-: standard input given twice");
      stdinRead = true;
      let text: string;
      try {
        text = (options.stdin ?? (() => fs.readFileSync(0, "utf8")))();
      } catch (error) {
        throw new InputError(`-: cannot read standard input: ${describeError(error)}`);
      }
      inputs.push({ file: "<stdin>", text });
      continue;
    }
    let directory = false;
    try {
      directory = fs.statSync(inputPath).isDirectory();
    } catch {
      // collectFiles reports it
    }
    if (directory && isKustomization(inputPath)) {
      flush();
      let text: string;
      try {
        text = (options.kustomize ?? renderKustomization)(inputPath);
      } catch (error) {
        throw new InputError(`${inputPath}: cannot render the kustomization: ${describeError(error)}`);
      }
      inputs.push({ file: `${inputPath} (kustomize)`, text });
      continue;
    }
    plain.push(inputPath);
  }
  flush();
  return inputs;
}

/**
 * Loads every Kubernetes object in the given files, folders, kustomize directories (rendered
 * with `kubectl kustomize`) and standard input ("-"); throws InputError on bad input, before
 * anything is checked.
 */
export function loadManifests(paths: readonly string[], options: LoadOptions = {}): LoadedManifests {
  const inputs = readInputs(paths, options);
  const files = inputs.map((input) => input.file);
  const resources: PackResource[] = [];
  const sources = new Map<string, ManifestSource>();
  const add = (resource: PackResource, source: ManifestSource): void => {
    resources.push(resource);
    sources.set(resource.urn, source);
  };
  for (const { file, text } of inputs) {
    const documents = parseAllDocuments(text, { prettyErrors: true });
    if ("empty" in documents) {
      const syntaxError = documents.errors.at(0);
      if (syntaxError) throw new InputError(`${file}: invalid YAML: ${firstLine(syntaxError.message)}`);
      continue;
    }
    documents.forEach((document, documentIndex) => {
      const source: ManifestSource = { file, document: documentIndex + 1 };
      const syntaxError = document.errors.at(0);
      if (syntaxError)
        throw new InputError(`${where(source)}: invalid YAML: ${firstLine(syntaxError.message)}`);
      let value: unknown;
      try {
        value = document.toJS({ maxAliasCount: 1000 }) as unknown;
      } catch (error) {
        throw new InputError(`${where(source)}: invalid YAML: ${describeError(error)}`);
      }
      if (value === null || value === undefined) return; // empty document
      const object = value as Obj;
      if (
        isObj(object) &&
        typeof object.kind === "string" &&
        object.kind.endsWith("List") &&
        Array.isArray(object.items)
      ) {
        object.items.forEach((item, itemIndex) => {
          const itemSource = { ...source, item: itemIndex };
          add(toResource(item, itemSource, options.namespace), itemSource);
        });
        return;
      }
      add(toResource(object, source, options.namespace), source);
    });
  }
  return { resources, sources, files };
}

/** A ManifestSource for messages: `file, document 2, items[0]`. */
export function formatSource(source: ManifestSource): string {
  return `${source.file}, document ${source.document}${source.item === undefined ? "" : `, items[${source.item}]`}`;
}
