// node --import tsx scripts/localReport/main.ts <dir> <stack> <namespace> <kubeconfig>
//
// Prints the report of a stack deployed to the local cluster (scripts/localReport/report.ts)
// from the kubectl output scripts/up-local.sh wrote into <dir>: nodes.json, objects.json,
// workflows.json and queue.json.

import { localReportLines } from "./report";
import { readReportInput } from "./readInput";

/** Reads the files named by the arguments and prints the report; exit 2 for bad usage. */
function main(args: readonly string[]): void {
  const [dir, stack, namespace, kubeconfig] = args;
  if (args.length !== 4) {
    process.stderr.write("usage: main.ts <dir> <stack> <namespace> <kubeconfig>\n");
    process.exitCode = 2;
    return;
  }
  const lines = localReportLines(readReportInput(dir, stack, namespace, kubeconfig));
  process.stdout.write(lines.map((line) => `${line}\n`).join(""));
}

if (require.main === module) main(process.argv.slice(2));
