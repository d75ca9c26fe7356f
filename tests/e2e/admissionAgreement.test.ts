/**
 * Agreement of the two enforcement points (issue 17): every case of tests/policy/admissionCases.ts
 * goes through `kubectl apply --dry-run=server` into a namespace governed by the
 * ValidatingAdmissionPolicies AdmissionPolicies generates (the same pure builders the component
 * uses), at dev's and at prod's level and parameters, and the API server's verdict — denied with
 * the policy's message, warned, or accepted — must equal the pack's verdict for that resource,
 * problem by problem. Each namespace binds one rule (the others disabled), because the API server
 * reports only the first policy that denies a request.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  admissionObjects,
  paramsKind,
  validateAdmissionPoliciesArgs,
  withAdmissionPoliciesDefaults,
} from "../../components/admissionPolicies";
import {
  ADMISSION_CASES,
  expectedViolation,
  packMessages,
  type AdmissionCase,
} from "../policy/admissionCases";
import {
  CLUSTER_DIR,
  clusterDown,
  clusterRunning,
  clusterUp,
  kubectl,
  kubectlRun,
  ROOT,
} from "./lib/cluster";

type Obj = Record<string, unknown>;
type Stack = "dev" | "prod";
const STACKS: readonly Stack[] = ["dev", "prod"];
/** Label of every object this test creates, for the clean-up. */
const TEST_LABEL = "k8s-ml-patterns.e2e/admission-agreement";
const WAIT_MS = 60_000;

type Verdict = "denied" | "warned" | "accepted";

interface Judgement {
  readonly verdict: Verdict | "invalid";
  /** `container "server": <problem>` or `<problem>`, sorted. */
  readonly problems: readonly string[];
  readonly output: string;
}

function policyConfigFile(stack: Stack): Partial<Record<string, Obj | string>> {
  return JSON.parse(readFileSync(path.join(ROOT, "policy-config", `${stack}.json`), "utf8")) as Partial<
    Record<string, Obj | string>
  >;
}

/** A stack's entry for a policy as level and properties. */
function entryOf(stack: Stack, policy: string): { level: string; properties: Obj } {
  const entry = policyConfigFile(stack)[policy];
  if (typeof entry === "string") return { level: entry, properties: {} };
  const { enforcementLevel, ...properties } = entry ?? {};
  return { level: typeof enforcementLevel === "string" ? enforcementLevel : "advisory", properties };
}

/** One governed namespace: a policy at a stack's level, with the stack's and a case's properties. */
interface Group {
  readonly key: string;
  readonly name: string;
  readonly stack: Stack;
  readonly policy: string;
  readonly level: string;
  readonly properties: Obj;
  readonly cases: AdmissionCase[];
}

function groups(): Group[] {
  const byKey = new Map<string, Group>();
  for (const stack of STACKS) {
    for (const testCase of ADMISSION_CASES) {
      const entry = entryOf(stack, testCase.policy);
      const properties = { ...entry.properties, ...testCase.config };
      const key = `${stack} ${testCase.policy} ${JSON.stringify(testCase.config ?? {})}`;
      let group = byKey.get(key);
      if (!group) {
        group = {
          key,
          name: `agree-${byKey.size}`,
          stack,
          policy: testCase.policy,
          level: entry.level,
          properties,
          cases: [],
        };
        byKey.set(key, group);
      }
      group.cases.push(testCase);
    }
  }
  return [...byKey.values()];
}

const GROUPS = groups();

function settingsOf(group: Group): ReturnType<typeof withAdmissionPoliciesDefaults> {
  const policyConfig = {
    all: "disabled",
    [group.policy]: { enforcementLevel: group.level, ...group.properties },
  };
  validateAdmissionPoliciesArgs(group.name, { namespace: group.name, policyConfig });
  return withAdmissionPoliciesDefaults(group.name, { namespace: group.name, policyConfig });
}

function labelled(object: Obj): Obj {
  const metadata = (object.metadata ?? {}) as Obj;
  return {
    ...object,
    metadata: { ...metadata, labels: { ...(metadata.labels as Obj), [TEST_LABEL]: "true" } },
  };
}

/** The pack's problems: each message's container (if any) and problem, as the policies phrase them. */
function packProblems(messages: readonly string[]): string[] {
  return messages
    .map((message) => {
      const match =
        /^[A-Za-z]+ [^,:]+(?:, ((?:init |sidecar |ephemeral )?container "[^"]*"))?: (.*?)\. Field: /.exec(
          message,
        );
      assert.ok(match, `unparsed pack message: ${message}`);
      const [, container, problem] = match as unknown as [string, string | undefined, string];
      return container === undefined ? problem : `${container}: ${problem}`;
    })
    .sort();
}

async function packJudgement(group: Group, testCase: AdmissionCase): Promise<Judgement> {
  const messages = await packMessages(group.policy, testCase.resource, group.properties);
  const verdict: Verdict =
    messages.length === 0 ? "accepted" : group.level === "advisory" ? "warned" : "denied";
  return { verdict, problems: packProblems(messages), output: messages.join("\n") };
}

function problemsAfter(text: string, policy: string): string[] {
  const start = text.indexOf(`${policy}: `);
  assert.ok(start >= 0, text);
  const [line = ""] = text.slice(start + policy.length + 2).split("\n");
  return line.split("; ").sort();
}

/** The API server's judgement of a case's object in the group's namespace. */
async function apiJudgement(group: Group, testCase: AdmissionCase): Promise<Judgement> {
  const props = testCase.resource.props as Obj;
  const object = { ...props, metadata: { ...(props.metadata as Obj), namespace: group.name } };
  const result = await kubectlRun(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(object));
  const output = `${result.stdout}\n${result.stderr}`;
  const vap = `ValidatingAdmissionPolicy '${group.name}-${group.policy}'`;
  if (result.code !== 0) {
    // Right after its params CRD is Established, the API server may not have configured the
    // policy yet; that is no verdict (waitInForce keeps waiting; a case reports it as invalid).
    if (result.stderr.includes("failed to configure policy"))
      return { verdict: "invalid", problems: [], output };
    if (!result.stderr.includes(`${vap} with binding`)) return { verdict: "invalid", problems: [], output };
    return {
      verdict: "denied",
      problems: problemsAfter(result.stderr.split("denied request: ")[1] ?? "", group.policy),
      output,
    };
  }
  const warning = result.stderr.split("\n").find((line) => line.includes(`Validation failed for ${vap}`));
  if (warning === undefined) return { verdict: "accepted", problems: [], output };
  return {
    verdict: "warned",
    problems: problemsAfter(warning.split("': ").slice(1).join("': "), group.policy),
    output,
  };
}

async function applyGroup(group: Group): Promise<void> {
  const settings = settingsOf(group);
  await kubectl(["create", "namespace", group.name]);
  await kubectl(["label", "namespace", group.name, `${TEST_LABEL}=true`]);
  const [crd, ...rest] = admissionObjects(settings).map(labelled);
  await kubectl(["apply", "-f", "-"], JSON.stringify(crd));
  const kind = paramsKind(group.name);
  await kubectl(["wait", "--for=condition=Established", `crd/${kind.plural}.${kind.group}`, "--timeout=60s"]);
  // Every generated object must pass the API server's validation first.
  await kubectl(
    ["apply", "--dry-run=server", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: rest }),
  );
  await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: rest }));
}

/** Waits (bounded) until the group's binding judges a case the pack reports, i.e. is in force. */
async function waitInForce(group: Group): Promise<void> {
  const sentinel = group.cases.find(
    (testCase) => expectedViolation(testCase, group.stack) && testCase.apiInvalid === undefined,
  );
  assert.ok(sentinel, `${group.key}: no case the binding must judge`);
  const deadline = Date.now() + WAIT_MS;
  let last: Judgement | undefined;
  while (Date.now() < deadline) {
    last = await apiJudgement(group, sentinel);
    if (last.verdict === "denied" || last.verdict === "warned") return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`${group.key}: the binding is not in force after ${WAIT_MS / 1000}s:\n${last?.output ?? ""}`);
}

async function cleanUp(): Promise<void> {
  await kubectl(["delete", "namespace", "-l", `${TEST_LABEL}=true`, "--ignore-not-found", "--wait=false"]);
  for (const kind of [
    "validatingadmissionpolicybindings",
    "validatingadmissionpolicies",
    "customresourcedefinitions",
  ]) {
    await kubectl(["delete", kind, "-l", `${TEST_LABEL}=true`, "--ignore-not-found"]);
  }
}

describe("admission policies: the API server agrees with the pack, case by case", function () {
  let startedCluster = false;
  let agreements = 0;
  let apiInvalid = 0;
  const disagreements: string[] = [];

  before(async () => {
    startedCluster = !(await clusterRunning());
    await clusterUp();
    // The autoscaler-bounds cases include KEDA ScaledObjects: scripts/cluster.sh applies KEDA's CRDs.
    await cleanUp();
    for (const group of GROUPS) await applyGroup(group);
    for (const group of GROUPS) await waitInForce(group);
  });

  after(async () => {
    console.log(
      `    admission agreement: ${agreements} agreements, ${disagreements.length} disagreements, ${apiInvalid} rejected by API validation first, over ${GROUPS.length} governed namespaces`,
    );
    await cleanUp();
    if (!startedCluster || process.env.K8S_ML_E2E_KEEP_CLUSTER === "1") {
      console.log(`    leaving the test cluster running (${CLUSTER_DIR})`);
      return;
    }
    await clusterDown();
  });

  for (const group of GROUPS) {
    describe(`${group.stack}: ${group.policy} at ${group.level}${Object.keys(group.cases[0]?.config ?? {}).length > 0 ? ` with ${JSON.stringify(group.cases[0]?.config)}` : ""}`, () => {
      for (const testCase of group.cases) {
        it(testCase.name, async () => {
          const pack = await packJudgement(group, testCase);
          assert.equal(pack.verdict !== "accepted", expectedViolation(testCase, group.stack), pack.output);
          const api = await apiJudgement(group, testCase);
          if (testCase.apiInvalid !== undefined) {
            // Rejected by the API server's validation before any admission policy runs.
            apiInvalid++;
            assert.equal(api.verdict, "invalid", api.output);
            assert.ok(api.output.includes(testCase.apiInvalid), api.output);
            assert.notEqual(pack.verdict, "accepted", "the pack reports it at preview");
            return;
          }
          if (api.verdict === pack.verdict && JSON.stringify(api.problems) === JSON.stringify(pack.problems))
            agreements++;
          else
            disagreements.push(
              `${group.key}: ${testCase.name}: API ${api.verdict} ${JSON.stringify(api.problems)}, pack ${pack.verdict} ${JSON.stringify(pack.problems)}`,
            );
          assert.equal(api.verdict, pack.verdict, `API:\n${api.output}\npack:\n${pack.output}`);
          assert.deepEqual(api.problems, pack.problems);
        });
      }
    });
  }

  // Mocha runs a suite's own tests before its child suites: the summary is a suite of its own, last.
  describe("all cases", () => {
    it("agrees on every case at both levels", () => {
      assert.deepEqual(disagreements, []);
      const judged = GROUPS.flatMap((group) => group.cases).filter(
        (testCase) => testCase.apiInvalid === undefined,
      ).length;
      assert.equal(agreements, judged);
    });
  });
});
