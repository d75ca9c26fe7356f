// The manifest checker: runs the pack's resource and stack policies over plain Kubernetes YAML.
//
//   npm run policy:check -- [--config FILE] [--format text|json] PATH...
//
// PATHs are files or folders (searched recursively for *.yaml, *.yml, *.json); all of them form one
// stack. Exit 0: no mandatory violation; 1: a mandatory violation; 2: bad usage or unreadable/invalid
// input (a one-line message naming the file and the document; never a stack trace).

import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { InputError, loadManifests, type ManifestSource } from "../lib/manifests";
import { validatePackConfig, type PackConfig } from "../lib/packConfig";
import { fromPulumi } from "../lib/resource";
import { hasMandatory, runPolicies, type PackViolation } from "../lib/runPack";
import { allPolicies, PACK_NAME } from "../policies/all";

const USAGE = `usage: npm run policy:check -- [--config FILE] [--format text|json] PATH...

Checks Kubernetes YAML (files or folders; multi-document files and List kinds) against the
${PACK_NAME} policy pack, taking all PATHs as one stack.

  --config FILE    policy pack config, the --policy-pack-config format (e.g. policy-config/prod.json);
                   default: the pack's defaults
  --format FORMAT  text (default) or json (one JSON document on stdout)
  -h, --help       show this help

Exit status: 0 no mandatory violation, 1 mandatory violation(s), 2 bad usage or invalid input.`;

class UsageError extends Error {}

/** What to print; the lines are collected as the check runs. */
interface Output {
  readonly stdout: string[];
  readonly stderr: string[];
}

interface ReportedViolation extends PackViolation {
  readonly resource: { readonly kind: string; readonly namespace: string; readonly name: string } | null;
  readonly source: ManifestSource | null;
}

function readConfig(file: string): PackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(
      `${file}: cannot read config: ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, "") : String(e)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const errors = validatePackConfig(parsed, allPolicies);
  if (errors.length > 0) throw new InputError(`${file}: invalid policy pack config: ${errors.join("; ")}`);
  return parsed as PackConfig;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Runs the checker; returns the exit code and what to print. */
export function runCheck(argv: readonly string[]): { code: number } & Output {
  const out: Output = { stdout: [], stderr: [] };
  let format = "text";
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          config: { type: "string" },
          format: { type: "string", default: "text" },
          help: { type: "boolean", short: "h" },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      out.stdout.push(USAGE);
      return { code: 0, ...out };
    }
    format = values.format;
    if (format !== "text" && format !== "json") {
      const bad = format;
      format = "text";
      throw new UsageError(`--format must be text or json, not "${bad}"`);
    }
    if (positionals.length === 0) throw new UsageError("no PATH given");
    const config = values.config === undefined ? undefined : readConfig(values.config);
    const loaded = loadManifests(positionals);
    const violations = runPolicies(loaded.resources, config, { remediate: false });
    const byUrn = new Map(loaded.resources.map((r) => [r.urn, r]));
    const reported: ReportedViolation[] = violations.map((v) => {
      const r = v.urn === undefined ? undefined : byUrn.get(v.urn);
      const k = r ? fromPulumi(r) : undefined;
      return {
        ...v,
        resource: k ? { kind: k.kind, namespace: k.namespace, name: k.name } : null,
        source: (v.urn === undefined ? undefined : loaded.sources.get(v.urn)) ?? null,
      };
    });
    const mandatory = reported.filter((v) => v.level === "mandatory").length;
    const advisory = reported.length - mandatory;
    const code = hasMandatory(violations) ? 1 : 0;
    if (format === "json") {
      out.stdout.push(
        JSON.stringify(
          {
            ok: code === 0,
            pack: PACK_NAME,
            config: values.config ?? null,
            files: loaded.files,
            resources: loaded.resources.length,
            summary: { mandatory, advisory },
            violations: reported.map((v) => ({
              policy: v.policy,
              level: v.level,
              resource: v.resource,
              file: v.source?.file ?? null,
              document: v.source?.document ?? null,
              ...(v.source?.item === undefined ? {} : { item: v.source.item }),
              message: v.message,
            })),
          },
          null,
          2,
        ),
      );
      return { code, ...out };
    }
    out.stdout.push(
      `${PACK_NAME} policy check: ${plural(loaded.resources.length, "resource")} in ${plural(loaded.files.length, "file")}, config ${values.config ?? "(pack defaults)"}`,
    );
    for (const v of reported) {
      const what = v.resource
        ? `${v.resource.kind} ${v.resource.namespace === "" ? "" : `${v.resource.namespace}/`}${v.resource.name}`
        : "stack";
      const where = v.source
        ? ` (${v.source.file}, document ${v.source.document}${v.source.item === undefined ? "" : `, items[${v.source.item}]`})`
        : "";
      out.stdout.push("", `${v.level.toUpperCase()} ${v.policy}: ${what}${where}`, `  ${v.message}`);
    }
    out.stdout.push(
      "",
      `${plural(reported.length, "violation")} (${mandatory} mandatory, ${advisory} advisory): ${code === 0 ? "PASSED" : "FAILED"}`,
    );
    return { code, ...out };
  } catch (e) {
    let message: string;
    if (e instanceof UsageError) message = `${e.message}\n\n${USAGE}`;
    else if (e instanceof InputError) message = e.message;
    else message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    out.stderr.push(`policy-check: ${message}`);
    if (format === "json") {
      out.stdout.push(JSON.stringify({ ok: false, error: message.split("\n")[0] ?? message }, null, 2));
    }
    return { code: 2, ...out };
  }
}

function main(): void {
  const { code, stdout, stderr } = runCheck(process.argv.slice(2));
  if (stdout.length > 0) process.stdout.write(`${stdout.join("\n")}\n`);
  if (stderr.length > 0) process.stderr.write(`${stderr.join("\n")}\n`);
  process.exitCode = code;
}

if (require.main === module) main();
