/**
 * Traffic through the deployed NetworkPolicies as cyclonus computes it. cyclonus
 * (github.com/mattfenwick/cyclonus, built by scripts/toolchain.sh from tools/cyclonus) is a
 * NetworkPolicy engine this project did not write: it reads the policies of the stack's namespace
 * from the local cluster itself and answers traffic queries (`analyze --mode query-traffic`), so the
 * verdicts below come from its implementation of the NetworkPolicy rules, not from ours. The local
 * cluster's KWOK nodes enforce no NetworkPolicy, so this is how the e2e suite proves traffic.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { CLUSTER_DIR, KUBECONFIG, ROOT } from "./cluster";
import { describeRun, run, runOk } from "./run";

/** One end of a connection: a pod (namespace, its labels, the namespace's labels) or an outside address. */
export interface Peer {
  /** How the matrix names it, e.g. "api-gateway (ml-dev)" or "model source 10.30.8.10". */
  readonly name: string;
  readonly ip: string;
  readonly pod?: {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly namespaceLabels: Readonly<Record<string, string>>;
  };
}

/** A connection to ask about, and what the issue says it must be. */
export interface TrafficCase {
  readonly from: Peer;
  readonly to: Peer;
  readonly protocol: "TCP" | "UDP";
  readonly port: number;
  /** The destination port's name, for rules that name ports ("http", "metrics"); "" for none. */
  readonly portName: string;
  readonly expected: "allowed" | "denied";
}

/** A case with cyclonus's verdict. */
export interface TrafficVerdict extends TrafficCase {
  readonly verdict: "allowed" | "denied";
}

async function cyclonusBinary(): Promise<string> {
  const result = await runOk("bash", [path.join(ROOT, "scripts/toolchain.sh"), "--print-path", "cyclonus"], {
    timeoutMs: 30 * 60_000,
  });
  const dir = result.stdout.trim().split(":").at(0) ?? "";
  return path.join(dir, "cyclonus");
}

function peerJson(peer: Peer): Record<string, unknown> {
  return {
    IP: peer.ip,
    ...(peer.pod === undefined
      ? {}
      : {
          Internal: {
            Namespace: peer.pod.namespace,
            PodLabels: peer.pod.labels,
            NamespaceLabels: peer.pod.namespaceLabels,
          },
        }),
  };
}

/** cyclonus's "Is allowed?" footer of each answer, in query order. */
export function parseVerdicts(output: string): ("allowed" | "denied")[] {
  return [...output.matchAll(/IS ALLOWED\?\s*\|\s*(TRUE|FALSE)/gi)].map((match) =>
    match[1].toUpperCase() === "TRUE" ? "allowed" : "denied",
  );
}

/**
 * Asks cyclonus about every case against the NetworkPolicies it reads from `namespaces` on the
 * local cluster. Writes the queries and its full answer next to the cluster's state.
 */
export async function evaluateTraffic(
  label: string,
  namespaces: readonly string[],
  cases: readonly TrafficCase[],
): Promise<TrafficVerdict[]> {
  const queries = cases.map((c) => ({
    Source: peerJson(c.from),
    Destination: peerJson(c.to),
    Protocol: c.protocol,
    ResolvedPort: c.port,
    ResolvedPortName: c.portName,
  }));
  const trafficPath = path.join(CLUSTER_DIR, `cyclonus-traffic-${label}.json`);
  writeFileSync(trafficPath, JSON.stringify(queries, null, 2));
  const args = [
    "analyze",
    ...namespaces.flatMap((namespace) => ["--namespace", namespace]),
    "--mode",
    "query-traffic",
    "--traffic-path",
    trafficPath,
  ];
  const binary = await cyclonusBinary();
  const result = await run(binary, args, {
    env: { ...process.env, KUBECONFIG },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(describeRun("cyclonus", args, result));
  writeFileSync(path.join(CLUSTER_DIR, `cyclonus-answer-${label}.txt`), result.stdout);
  const verdicts = parseVerdicts(result.stdout);
  if (verdicts.length !== cases.length) {
    throw new Error(`cyclonus answered ${verdicts.length} of ${cases.length} queries:\n${result.stdout}`);
  }
  return cases.map((c, index) => ({ ...c, verdict: verdicts[index] ?? "denied" }));
}

/** The matrix as a Markdown table: source, destination, port, what the issue wants, what cyclonus says. */
export function matrixTable(verdicts: readonly TrafficVerdict[]): string {
  const rows = verdicts.map((v) => {
    const port = `${v.protocol} ${v.port}${v.portName === "" ? "" : ` (${v.portName})`}`;
    return `| ${v.from.name} | ${v.to.name} | ${port} | ${v.expected} | ${v.verdict} |`;
  });
  return ["| from | to | port | required | cyclonus |", "| --- | --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}
