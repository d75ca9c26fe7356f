/**
 * The stack's own door: a workload sent with kubectl into a stack's namespace, and the pack's
 * verdict on the same manifest (the manifest checker, at the stack's policy config), so a test
 * can show the two enforcement points hold a kubectl user to the same rules.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCheck } from "../../../policy/cli/check";
import { ROOT } from "./cluster";

/** One violation as the manifest checker reports it. */
export interface PackFinding {
  readonly policy: string;
  readonly level: string;
  readonly resource: { readonly kind: string; readonly name: string } | null;
  readonly message: string;
}

/**
 * A Deployment that passes Pod Security "restricted" and sets requests, limits and probes, so a
 * test changes only what it probes (here: the image).
 */
export function doorDeployment(
  namespace: string,
  name: string,
  image: string,
  labels: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const resources = { cpu: "100m", memory: "128Mi" };
  const probe = { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels: { ...labels, "app.kubernetes.io/name": name } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "app",
              image,
              ports: [{ name: "http", containerPort: 8080 }],
              resources: { requests: resources, limits: resources },
              readinessProbe: probe,
              livenessProbe: probe,
              startupProbe: probe,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                readOnlyRootFilesystem: true,
              },
            },
          ],
        },
      },
    },
  };
}

/** The pack's violations for the manifest, at a stack's policy pack config (policy-config/<stack>.json). */
export function packFindings(manifest: Record<string, unknown>, stack: string): PackFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-ml-door-"));
  try {
    const file = path.join(dir, "workload.json");
    fs.writeFileSync(file, JSON.stringify(manifest));
    const config = path.join(ROOT, "policy-config", `${stack}.json`);
    const result = runCheck(["--config", config, "--format", "json", file]);
    const report = JSON.parse(result.stdout.join("\n")) as { violations?: PackFinding[]; error?: string };
    if (report.violations === undefined)
      throw new Error(`the manifest checker failed: ${report.error ?? ""}`);
    return report.violations;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
