/**
 * The Pod Security oracle (issue 15): the API server's own PodSecurity admission judges every
 * test pod of tests/policy/pssCases.ts in a namespace enforcing "restricted" and one enforcing
 * "baseline" (`kubectl apply --dry-run=server`; ephemeral containers through the
 * `ephemeralcontainers` subresource of a running pod), and the controls Kubernetes names must be
 * exactly the controls restricted-pod-security names at that level, pod by pod.
 */
import { strict as assert } from "node:assert";
import { restrictedPodSecurity } from "../../policy/policies/restrictedPodSecurity";
import type { PssLevel } from "../../policy/lib/podSecurity/index";
import { res } from "../policy/fixtures";
import { validateResource } from "../policy/harness";
import { casePod, controlsNamed, PSS_CASES, restrictedPod, type Obj, type PssCase } from "../policy/pssCases";
import { CLUSTER_DIR, clusterDown, clusterRunning, clusterUp, kubectl, kubectlRun } from "./lib/cluster";
import { describeRun } from "./lib/run";

const LEVELS: readonly PssLevel[] = ["restricted", "baseline"];
const NAMESPACE: Readonly<Record<PssLevel, string>> = {
  restricted: "pss-restricted",
  baseline: "pss-baseline",
};
const EPHEMERAL_TARGET = "pss-ephemeral-target";

/**
 * The reasons PodSecurity gives ("<reason> (<detail>)", joined by ", "), and the control each
 * stands for. Two reasons are shared by a baseline control and the restricted control replacing
 * it, so the level decides.
 */
const REASONS: readonly (readonly [reason: RegExp, control: string | Readonly<Record<PssLevel, string>>])[] =
  [
    [/host namespaces \(/, "hostNamespaces"],
    [/(?:: |, )privileged \(/, "privileged"],
    [/non-default capabilities \(/, "capabilities_baseline"],
    [/unrestricted capabilities \(/, "capabilities_restricted"],
    [/hostPath volumes \(/, "hostPathVolumes"],
    [/restricted volume types \(/, "restrictedVolumes"],
    [/hostPort \(/, "hostPorts"],
    [/forbidden AppArmor profiles? \(/, "appArmorProfile"],
    [/seLinuxOptions \(/, "seLinuxOptions"],
    [/(?:: |, )procMount \(/, { baseline: "procMount", restricted: "procMount_restricted" }],
    [
      /(?:: |, )seccompProfile \(/,
      { baseline: "seccompProfile_baseline", restricted: "seccompProfile_restricted" },
    ],
    [/forbidden sysctls \(/, "sysctls"],
    [/(?:: |, )hostProcess \(/, "windowsHostProcess"],
    [/probe or lifecycle hosts? \(/, "hostProbesAndHostLifecycle"],
    [/allowPrivilegeEscalation != false \(/, "allowPrivilegeEscalation"],
    [/runAsNonRoot != true \(/, "runAsNonRoot"],
    [/runAsUser=0 \(/, "runAsUser"],
  ];

/** Kubernetes' verdict: the controls its PodSecurity error names (none: admitted). */
interface ApiVerdict {
  readonly admitted: boolean;
  readonly controls: readonly string[];
  readonly output: string;
}

function controlsOfError(message: string, level: PssLevel): string[] {
  const violation = /violates PodSecurity "(\w+):[^"]*": (.*)$/m.exec(message);
  if (!violation?.[2]) return [];
  assert.equal(violation[1], level, message);
  const text = `: ${violation[2]}`;
  return REASONS.filter(([reason]) => reason.test(text))
    .map(([, control]) => (typeof control === "string" ? control : control[level]))
    .sort();
}

async function apiVerdict(args: readonly string[], level: PssLevel, input?: string): Promise<ApiVerdict> {
  const result = await kubectlRun(args, input);
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.code === 0) return { admitted: true, controls: [], output };
  const controls = controlsOfError(result.stderr, level);
  assert.ok(
    controls.length > 0,
    `kubectl failed without a PodSecurity verdict:\n${describeRun("kubectl", args, result)}`,
  );
  return { admitted: false, controls, output };
}

/** The server's verdict on a case at a level. */
async function serverVerdict(testCase: PssCase, index: number, level: PssLevel): Promise<ApiVerdict> {
  const namespace = NAMESPACE[level];
  if (testCase.ephemeral) {
    const ephemeral = (casePod(testCase).spec as Obj).ephemeralContainers;
    const patch = JSON.stringify({ spec: { ephemeralContainers: ephemeral } });
    return apiVerdict(
      [
        "patch",
        "pod",
        EPHEMERAL_TARGET,
        "-n",
        namespace,
        "--subresource=ephemeralcontainers",
        "--type=merge",
        "-p",
        patch,
        "--dry-run=server",
      ],
      level,
    );
  }
  const pod = podIn(casePod(testCase, `pss-case-${index}`), namespace);
  return apiVerdict(["apply", "--dry-run=server", "-f", "-"], level, JSON.stringify(pod));
}

function podIn(pod: Obj, namespace: string): Obj {
  return { ...pod, metadata: { ...(pod.metadata as Obj), namespace } };
}

/** The pack's verdict: the controls restricted-pod-security names at the level. */
async function packVerdict(testCase: PssCase, level: PssLevel): Promise<string[]> {
  return controlsNamed(await validateResource(restrictedPodSecurity, res(casePod(testCase)), { level }));
}

describe("Pod Security: the pack against the API server's PodSecurity admission", function () {
  let startedCluster = false;
  let agreements = 0;
  const disagreements: string[] = [];

  before(async () => {
    startedCluster = !(await clusterRunning());
    await clusterUp();
    for (const level of LEVELS) {
      const namespace = NAMESPACE[level];
      await kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true"]);
      await kubectl(["create", "namespace", namespace]);
      await kubectl([
        "label",
        "namespace",
        namespace,
        `pod-security.kubernetes.io/enforce=${level}`,
        "pod-security.kubernetes.io/enforce-version=latest",
      ]);
      await kubectl(["apply", "-f", "-"], JSON.stringify(podIn(restrictedPod(EPHEMERAL_TARGET), namespace)));
    }
  });

  after(async () => {
    console.log(`    Pod Security oracle: ${agreements} agreements, ${disagreements.length} disagreements`);
    for (const level of LEVELS) {
      await kubectl(["delete", "namespace", NAMESPACE[level], "--ignore-not-found", "--wait=false"]);
    }
    if (!startedCluster || process.env.K8S_ML_E2E_KEEP_CLUSTER === "1") {
      console.log(`    leaving the test cluster running (${CLUSTER_DIR})`);
      return;
    }
    await clusterDown();
  });

  PSS_CASES.forEach((testCase, index) => {
    it(`${testCase.name}: the same controls at restricted and baseline`, async () => {
      for (const level of LEVELS) {
        const pack = await packVerdict(testCase, level);
        if (testCase.apiInvalid !== undefined) {
          // The API server's validation rejects the pod before PodSecurity sees it.
          const pod = podIn(casePod(testCase, `pss-case-${index}`), NAMESPACE[level]);
          const result = await kubectlRun(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
          assert.notEqual(result.code, 0);
          assert.ok(result.stderr.includes(testCase.apiInvalid), result.stderr);
          assert.ok(!result.stderr.includes("PodSecurity"), result.stderr);
          assert.deepEqual(pack, [...testCase[level]].sort());
          continue;
        }
        const server = await serverVerdict(testCase, index, level);
        if (JSON.stringify(server.controls) === JSON.stringify(pack)) agreements++;
        else
          disagreements.push(
            `${testCase.name} at ${level}: Kubernetes ${JSON.stringify(server.controls)}, pack ${JSON.stringify(pack)}`,
          );
        assert.deepEqual(
          pack,
          server.controls,
          `${level}: Kubernetes ${server.admitted ? "admits the pod" : `denies it for ${server.controls.join(", ")}`}; the pack names ${pack.join(", ") || "nothing"}\n${server.output}`,
        );
        assert.deepEqual(server.controls, [...testCase[level]].sort(), "the case's expectation");
      }
    });
  });

  it("agrees on every pod at both levels", () => {
    assert.deepEqual(disagreements, []);
    const judged = PSS_CASES.filter((testCase) => testCase.apiInvalid === undefined).length * LEVELS.length;
    assert.equal(agreements, judged);
  });
});
