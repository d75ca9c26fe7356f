/**
 * The manifest checker: runs the pack's resource and stack policies over plain Kubernetes YAML.
 *
 *     npm run policy:check -- [--config FILE] [--format text|json] [--namespace NS] PATH...
 *
 * PATHs are files, folders (searched recursively for *.yaml, *.yml, *.json), kustomize
 * directories (rendered with `kubectl kustomize`) or "-" (standard input); all of them form one
 * stack. Exit 0: no mandatory violation; 1: a mandatory violation; 2: bad usage or unreadable/invalid
 * input (a one-line message naming the file and the document; never a stack trace).
 */

import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { InputError, loadManifests, type LoadOptions, type ManifestSource } from "../lib/manifests";
import { validatePackConfig, type PackConfig } from "../lib/packConfig";
import { fromPulumi } from "../lib/resource";
import { hasMandatory, runPolicies, type PackViolation } from "../lib/runPack";
import { allPolicies, PACK_NAME } from "../policies/all";

const USAGE = `usage: npm run policy:check -- [--config FILE] [--format text|json] [--namespace NS] PATH...

Checks Kubernetes YAML against the ${PACK_NAME} policy pack, taking all PATHs as one stack:
files and folders (multi-document files and List kinds), kustomize directories (rendered with
the toolchain's kubectl kustomize) and - (standard input, e.g. helm template ... | ... -).

  --config FILE       policy pack config, the --policy-pack-config format (e.g. policy-config/prod.json);
                      default: the pack's defaults
  --format FORMAT     text (default) or json (one JSON document on stdout)
  -n, --namespace NS  namespace of namespaced objects that have none (Helm output);
                      default: "default", as kubectl would
  -h, --help          show this help

Exit status: 0 no mandatory violation, 1 mandatory violation(s), 2 bad usage or invalid input.`;

/** Bad command-line usage: reported with the usage text, exit status 2. */
class UsageError extends Error {}

/** What to print; the lines are collected as the check runs. */
interface Output {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** A violation with the resource and manifest location it is about (null for stack-wide ones). */
interface ReportedViolation extends PackViolation {
  readonly resource: { readonly kind: string; readonly namespace: string; readonly name: string } | null;
  readonly source: ManifestSource | null;
}

/** Reads and validates a --config file; InputError when it cannot be used. */
function readConfig(file: string): PackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(
      `${file}: cannot read config: ${error instanceof Error ? error.message.replace(/^[A-Z]+: /, "") : String(error)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const errors = validatePackConfig(parsed, allPolicies);
  if (errors.length > 0) throw new InputError(`${file}: invalid policy pack config: ${errors.join("; ")}`);
  return parsed as PackConfig;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Runs the checker; returns the exit code and what to print. */
export function runCheck(
  argv: readonly string[],
  inputs: Pick<LoadOptions, "stdin" | "kustomize"> = {},
): { readonly code: number } & Output {
  const output: Output = { stdout: [], stderr: [] };
  let format = "text";
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          config: { type: "string" },
          format: { type: "string", default: "text" },
          namespace: { type: "string", short: "n" },
          help: { type: "boolean", short: "h" },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      output.stdout.push(USAGE);
      return { code: 0, ...output };
    }
    format = values.format;
    if (format !== "text" && format !== "json") {
      const given = format;
      format = "text";
      throw new UsageError(`--format must be text or json, not "${given}"`);
    }
    if (positionals.length === 0) throw new UsageError("no PATH given");
    const config = values.config === undefined ? undefined : readConfig(values.config);
    const namespace = values.namespace;
    if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new UsageError(
        `--namespace must be a namespace name (lowercase RFC 1123 label), not "${namespace}"`,
      );
    }
    const loaded = loadManifests(positionals, {
      ...inputs,
      ...(namespace === undefined ? {} : { namespace }),
    });
    const violations = runPolicies(loaded.resources, config, { remediate: false });
    const byUrn = new Map(loaded.resources.map((resource) => [resource.urn, resource]));
    const reported: ReportedViolation[] = violations.map((violation) => {
      const packResource = violation.urn === undefined ? undefined : byUrn.get(violation.urn);
      const resource = packResource ? fromPulumi(packResource) : undefined;
      return {
        ...violation,
        resource: resource
          ? { kind: resource.kind, namespace: resource.namespace, name: resource.name }
          : null,
        source: (violation.urn === undefined ? undefined : loaded.sources.get(violation.urn)) ?? null,
      };
    });
    const mandatory = reported.filter((violation) => violation.level === "mandatory").length;
    const advisory = reported.length - mandatory;
    const code = hasMandatory(violations) ? 1 : 0;
    if (format === "json") {
      output.stdout.push(
        JSON.stringify(
          {
            ok: code === 0,
            pack: PACK_NAME,
            config: values.config ?? null,
            files: loaded.files,
            resources: loaded.resources.length,
            summary: { mandatory, advisory },
            violations: reported.map((violation) => ({
              policy: violation.policy,
              level: violation.level,
              resource: violation.resource,
              file: violation.source?.file ?? null,
              document: violation.source?.document ?? null,
              ...(violation.source?.item === undefined ? {} : { item: violation.source.item }),
              message: violation.message,
            })),
          },
          null,
          2,
        ),
      );
      return { code, ...output };
    }
    output.stdout.push(
      `${PACK_NAME} policy check: ${plural(loaded.resources.length, "resource")} in ${plural(loaded.files.length, "file")}, config ${values.config ?? "(pack defaults)"}`,
    );
    for (const violation of reported) {
      const { resource, source } = violation;
      const what = resource
        ? `${resource.kind} ${resource.namespace === "" ? "" : `${resource.namespace}/`}${resource.name}`
        : "stack";
      const where = source
        ? ` (${source.file}, document ${source.document}${source.item === undefined ? "" : `, items[${source.item}]`})`
        : "";
      output.stdout.push(
        "",
        `${violation.level.toUpperCase()} ${violation.policy}: ${what}${where}`,
        `  ${violation.message}`,
      );
    }
    output.stdout.push(
      "",
      `${plural(reported.length, "violation")} (${mandatory} mandatory, ${advisory} advisory): ${code === 0 ? "PASSED" : "FAILED"}`,
    );
    return { code, ...output };
  } catch (error) {
    let message: string;
    if (error instanceof UsageError) message = `${error.message}\n\n${USAGE}`;
    else if (error instanceof InputError) message = error.message;
    else message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
    output.stderr.push(`policy-check: ${message}`);
    if (format === "json") {
      output.stdout.push(JSON.stringify({ ok: false, error: message.split("\n")[0] ?? message }, null, 2));
    }
    return { code: 2, ...output };
  }
}

function main(): void {
  const { code, stdout, stderr } = runCheck(process.argv.slice(2));
  if (stdout.length > 0) process.stdout.write(`${stdout.join("\n")}\n`);
  if (stderr.length > 0) process.stderr.write(`${stderr.join("\n")}\n`);
  process.exitCode = code;
}

if (require.main === module) main();
