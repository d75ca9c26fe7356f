import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runCheck } from "../../policy/cli/check";
import { singleAutoscaler } from "../../policy/policies/singleAutoscaler";
import { hpa, res, scaledObject, workload } from "./fixtures";
import { validateStack } from "./harness";

async function messages(resources: Parameters<typeof validateStack>[1]): Promise<string[]> {
  return (await validateStack(singleAutoscaler, resources, {})).map((v) => v.message);
}

describe("single-autoscaler", () => {
  it("reports an HPA and a KEDA ScaledObject on one Deployment, on each of them", async () => {
    const h = hpa("llama", "llama", 1, 4);
    const so = scaledObject("llama-keda", "llama", 0, 4);
    const v = await validateStack(
      singleAutoscaler,
      [workload("Deployment", "llama", { gpus: 1 }), h, so],
      {},
    );
    assert.deepEqual(
      v.map((x) => x.urn),
      [h.urn, so.urn],
    );
    assert.equal(
      v[0]?.message,
      'HorizontalPodAutoscaler ml/llama: Deployment/llama in namespace ml is also scaled by ScaledObject ml/llama-keda: two autoscalers on one target overwrite each other\'s replica count. Field: spec.scaleTargetRef; found: "Deployment/llama". Fix: keep one autoscaler for the target (a KEDA ScaledObject already drives an HPA of its own)',
    );
    assert.match(
      v[1]?.message ?? "",
      /^ScaledObject ml\/llama-keda: Deployment\/llama in namespace ml is also scaled by HorizontalPodAutoscaler ml\/llama:/,
    );
  });

  it("reports two HPAs on one target", async () => {
    const found = await messages([hpa("a", "llama", 1, 4), hpa("b", "llama", 1, 2)]);
    assert.equal(found.length, 2);
    assert.match(
      found[0] ?? "",
      /HorizontalPodAutoscaler ml\/a: Deployment\/llama in namespace ml is also scaled by HorizontalPodAutoscaler ml\/b/,
    );
  });

  it("accepts one autoscaler per target, same names in other namespaces or kinds, and KEDA's own HPA", async () => {
    const kedaOwned = res({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: "keda-hpa-llama",
        namespace: "ml",
        ownerReferences: [{ apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", name: "llama", uid: "u" }],
      },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "llama" }, maxReplicas: 4 },
    });
    assert.deepEqual(
      await messages([
        scaledObject("llama", "llama", 0, 4),
        kedaOwned,
        hpa("mistral", "mistral", 1, 4),
        hpa("mistral", "mistral", 1, 4, "other"),
        hpa("mistral-sts", "mistral", 1, 4, "ml", "StatefulSet"),
      ]),
      [],
    );
  });

  it("is mandatory in policy:check (manifests)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "single-autoscaler-"));
    try {
      const file = path.join(dir, "scaling.yaml");
      fs.writeFileSync(
        file,
        [hpa("llama", "llama", 1, 4), scaledObject("llama-keda", "llama", 1, 4)]
          .map((r) => stringify(r.props))
          .join("---\n"),
      );
      const r = runCheck(["--format", "json", file]);
      assert.equal(r.code, 1, r.stderr.join("\n"));
      const report = JSON.parse(r.stdout.join("\n")) as {
        violations: { policy: string; level: string; message: string }[];
      };
      const found = report.violations.filter((v) => v.policy === "single-autoscaler");
      assert.deepEqual(
        found.map((v) => v.level),
        ["mandatory", "mandatory"],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
