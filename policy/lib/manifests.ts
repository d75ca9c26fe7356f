// Loading plain Kubernetes YAML (files or folders, multi-document files, List kinds) as PackResources.

import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { parseApiVersion, pulumiTypeOf, type PackResource } from "./resource";
import { isObj, type Obj } from "./values";

/** Bad input: unreadable path, YAML syntax error, or a document that is not a Kubernetes object. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export interface ManifestSource {
  readonly file: string;
  /** 1-based position of the YAML document in the file. */
  readonly document: number;
  /** 0-based index in a List's items, when the object came from a List. */
  readonly item?: number;
}

export interface LoadedManifests {
  readonly resources: readonly PackResource[];
  /** Where each resource (by URN) came from. */
  readonly sources: ReadonlyMap<string, ManifestSource>;
  readonly files: readonly string[];
}

const MANIFEST_EXT: ReadonlySet<string> = new Set([".yaml", ".yml", ".json"]);

function describeError(e: unknown): string {
  if (isObj(e) && typeof e.code === "string" && typeof e.message === "string") {
    return e.code === "ENOENT" ? "no such file or directory" : e.message.replace(/^[A-Z]+: /, "");
  }
  return e instanceof Error ? e.message : String(e);
}

/** Files to read: given files as they are, folders recursively (*.yaml, *.yml, *.json), sorted. */
export function collectFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new InputError(`${dir}: cannot read folder: ${describeError(e)}`);
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && MANIFEST_EXT.has(path.extname(entry.name).toLowerCase())) out.push(full);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      throw new InputError(`${p}: cannot read: ${describeError(e)}`);
    }
    if (stat.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/:\s*$/, "");
}

function where(s: ManifestSource): string {
  return `${s.file}: document ${s.document}${s.item === undefined ? "" : `, items[${s.item}]`}`;
}

function toResource(o: unknown, src: ManifestSource): PackResource {
  if (!isObj(o))
    throw new InputError(
      `${where(src)}: expected a Kubernetes object, found ${Array.isArray(o) ? "a list" : typeof o}`,
    );
  const { apiVersion, kind } = o;
  if (typeof apiVersion !== "string" || apiVersion === "")
    throw new InputError(`${where(src)}: apiVersion is missing`);
  if (typeof kind !== "string" || kind === "") throw new InputError(`${where(src)}: kind is missing`);
  const metadata = isObj(o.metadata) ? o.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const type = pulumiTypeOf({ ...parseApiVersion(apiVersion), kind });
  const suffix = `${src.file}#${src.document}${src.item === undefined ? "" : `.${src.item}`}`;
  return { type, props: o, name, urn: `urn:pulumi:manifests::policy-check::${type}::${suffix}` };
}

/** Loads every Kubernetes object in the given files and folders; throws InputError on bad input. */
export function loadManifests(paths: readonly string[]): LoadedManifests {
  const files = collectFiles(paths);
  const resources: PackResource[] = [];
  const sources = new Map<string, ManifestSource>();
  const add = (r: PackResource, src: ManifestSource): void => {
    resources.push(r);
    sources.set(r.urn, src);
  };
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(`${file}: cannot read: ${describeError(e)}`);
    }
    const docs = parseAllDocuments(text, { prettyErrors: true });
    if ("empty" in docs) {
      const err = docs.errors.at(0);
      if (err) throw new InputError(`${file}: invalid YAML: ${firstLine(err.message)}`);
      continue;
    }
    docs.forEach((doc, i) => {
      const src: ManifestSource = { file, document: i + 1 };
      const err = doc.errors.at(0);
      if (err) throw new InputError(`${where(src)}: invalid YAML: ${firstLine(err.message)}`);
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
      } catch (e) {
        throw new InputError(`${where(src)}: invalid YAML: ${describeError(e)}`);
      }
      if (value === null || value === undefined) return; // empty document
      const o = value as Obj;
      if (isObj(o) && typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o.items)) {
        o.items.forEach((item, j) => {
          const itemSrc = { ...src, item: j };
          add(toResource(item, itemSrc), itemSrc);
        });
        return;
      }
      add(toResource(o, src), src);
    });
  }
  return { resources, sources, files };
}

export function formatSource(s: ManifestSource): string {
  return `${s.file}, document ${s.document}${s.item === undefined ? "" : `, items[${s.item}]`}`;
}
