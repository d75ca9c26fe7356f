/**
 * End to end on the local cluster (issue 14, server presets): dev deployed with its model on the
 * `vllm` preset, through stack config (`models[0].server`, `models[0].args`), with the policy
 * pack enforced. The real API server and controllers take the preset's objects: the Deployment
 * rolls out with one `http` port and the preset's flags, the Service and its endpoints carry
 * `http` only, the ServiceMonitor scrapes `http`, and the tenancy's api-metrics NetworkPolicy
 * selects the server's pods. cyclonus, an independent NetworkPolicy engine, reads the deployed
 * policies and says monitoring may reach `http` of the server while other pods may not; a second
 * `pulumi up` changes nothing. Every wait is bounded; nothing asserts on how long anything took.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { METRICS_PORT_LABEL } from "../../conventions/labels";
import { kubectlJson, list, ROOT } from "./lib/cluster";
import { evaluateTraffic, matrixTable, type Peer, type TrafficCase } from "./lib/cyclonus";
import { type KObject, live } from "./lib/k8s";
import { describeRun, waitFor } from "./lib/run";
import { StackSession } from "./lib/session";
import { errorsOf, LocalStack, summaryOf } from "./lib/stack";

const VLLM_ARGS = ["--max-model-len=4096"];

function devConfig(): { config: Record<string, unknown> } {
  return parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
}

const file = devConfig();
const namespace = file.config["k8s-ml-patterns:namespace"] as string;
const models = file.config["k8s-ml-patterns:models"] as Record<string, unknown>[];
const modelName = models[0]?.name as string;

/** Pulumi.dev.yaml with the first model on the vllm preset. */
function configFile(): string {
  const edited = devConfig();
  edited.config["k8s-ml-patterns:models"] = models.map((m, i) =>
    i === 0 ? { ...m, server: "vllm", args: VLLM_ARGS } : m,
  );
  return stringifyYaml(edited);
}

interface PodWithPorts extends KObject {
  readonly spec: {
    readonly containers: readonly {
      readonly name: string;
      readonly args?: readonly string[];
      readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
    }[];
  };
  readonly status: {
    readonly phase: string;
    readonly podIP?: string;
    readonly conditions?: readonly { type: string; status: string }[];
  };
}

interface NamedPorts extends KObject {
  readonly spec: { readonly ports?: readonly { readonly name?: string }[] };
}

interface EndpointSlice extends KObject {
  readonly ports?: readonly { readonly name?: string; readonly port?: number }[];
  readonly endpoints?: readonly { readonly addresses: readonly string[] }[];
}

interface ServiceMonitor extends KObject {
  readonly spec: { readonly endpoints: readonly { readonly port: string; readonly path: string }[] };
}

interface NetworkPolicy extends KObject {
  readonly spec: { readonly podSelector: { readonly matchLabels?: Record<string, string> } };
}

const selectorText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

async function readyServerPods(): Promise<PodWithPorts[]> {
  const pods = live(
    await list<PodWithPorts>(["pods", "-n", namespace, "-l", `app.kubernetes.io/instance=${modelName}`]),
  );
  return pods.filter(
    (p) =>
      p.status.phase === "Running" &&
      (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  );
}

describe("server presets: dev's model on the vllm preset", function () {
  const session = new StackSession();
  let stack: LocalStack | undefined;

  before(async () => {
    const prepared = await session.begin("dev");
    stack = prepared;
    fs.writeFileSync(prepared.configFile, configFile());
    const { result, events } = await prepared.upJson();
    assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
  });

  after(async () => {
    await session.end();
  });

  it("rolls out server pods with one http port, the preset's flags and the metrics-port label", async () => {
    const pods = await waitFor(
      "a ready vllm server pod",
      async () => {
        const ready = await readyServerPods();
        return ready.length > 0 ? ready : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 2000 },
    );
    for (const pod of pods) {
      const server = pod.spec.containers.find((c) => c.name === "model-server");
      assert.ok(server !== undefined);
      assert.deepEqual(
        (server.ports ?? []).map((p) => [p.name, p.containerPort]),
        [["http", 8000]],
      );
      const args = server.args ?? [];
      assert.equal(args[0], VLLM_ARGS[0]);
      for (const flag of ["--port=8000", `--served-model-name=${modelName}`, "--tensor-parallel-size=1"]) {
        assert.ok(args.includes(flag), `${flag} in ${args.join(" ")}`);
      }
      assert.ok(args.some((a) => a.startsWith(`--model=/models/${modelName}/`)));
      assert.equal(pod.metadata.labels?.[METRICS_PORT_LABEL], "http");
    }
  });

  it("serves http only, through the Service and its endpoints", async () => {
    const service = await kubectlJson<NamedPorts>(["service", modelName, "-n", namespace]);
    assert.deepEqual(
      (service.spec.ports ?? []).map((p) => p.name),
      ["http"],
    );
    const slices = await waitFor(
      "the Service's endpoints",
      async () => {
        const found = await list<EndpointSlice>([
          "endpointslices",
          "-n",
          namespace,
          "-l",
          `kubernetes.io/service-name=${modelName}`,
        ]);
        return found.some((s) => (s.endpoints ?? []).length > 0) ? found : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000 },
    );
    for (const slice of slices) {
      assert.deepEqual(
        (slice.ports ?? []).map((p) => [p.name, p.port]),
        [["http", 8000]],
      );
    }
  });

  it("scrapes /metrics on the http port", async () => {
    const monitors = await list<ServiceMonitor>(["servicemonitors", "-n", namespace]);
    const mine = monitors.filter((m) => m.metadata.labels?.["app.kubernetes.io/name"] === modelName);
    assert.equal(mine.length, 1, JSON.stringify(monitors.map((m) => m.metadata.name)));
    assert.deepEqual(
      mine[0]?.spec.endpoints.map((e) => [e.port, e.path]),
      [["http", "/metrics"]],
    );
  });

  it("the api-metrics NetworkPolicy selects the server pods, and cyclonus opens http to monitoring only", async () => {
    const policy = await kubectlJson<NetworkPolicy>([
      "networkpolicy",
      `${namespace}-model-server-api-metrics`,
      "-n",
      namespace,
    ]);
    const selected = live(
      await list<PodWithPorts>([
        "pods",
        "-n",
        namespace,
        "-l",
        selectorText(policy.spec.podSelector.matchLabels ?? {}),
      ]),
    );
    const pods = await readyServerPods();
    assert.deepEqual(selected.map((p) => p.metadata.name).sort(), pods.map((p) => p.metadata.name).sort());
    const pod = pods.at(0);
    assert.ok(pod !== undefined);
    const server: Peer = {
      name: `model server ${pod.metadata.name}`,
      ip: pod.status.podIP ?? "192.0.2.250",
      pod: {
        namespace,
        labels: pod.metadata.labels ?? {},
        namespaceLabels: { "kubernetes.io/metadata.name": namespace },
      },
    };
    const synthetic = (name: string, ip: string, ns: string, labels: Record<string, string>): Peer => ({
      name,
      ip,
      pod: { namespace: ns, labels, namespaceLabels: { "kubernetes.io/metadata.name": ns } },
    });
    const scraper = synthetic("prometheus (monitoring)", "192.0.2.13", "monitoring", {
      "app.kubernetes.io/name": "prometheus",
    });
    const gateway = synthetic(`api-gateway (${namespace})`, "192.0.2.10", namespace, { app: "api-gateway" });
    const stranger = synthetic(`unlabelled pod (${namespace})`, "192.0.2.12", namespace, { app: "debug" });
    const tcp = (from: Peer, expected: "allowed" | "denied"): TrafficCase => ({
      from,
      to: server,
      protocol: "TCP",
      port: 8000,
      portName: "http",
      expected,
    });
    const cases = [tcp(scraper, "allowed"), tcp(gateway, "allowed"), tcp(stranger, "denied")];
    const verdicts = await evaluateTraffic("server-presets", [namespace], cases);
    console.log(`      connectivity of the vllm server (cyclonus):\n${matrixTable(verdicts)}`);
    assert.deepEqual(
      verdicts.map((v) => `${v.from.name} -> http: ${v.verdict}`),
      cases.map((c) => `${c.from.name} -> http: ${c.expected}`),
    );
  });

  it("a second pulumi up changes nothing", async () => {
    assert.ok(stack !== undefined);
    const { result, events } = await stack.upJson();
    assert.equal(result.code, 0, `${describeRun("pulumi up", [], result)}\n${errorsOf(events)}`);
    const changed = Object.entries(summaryOf(events).resourceChanges ?? {}).filter(
      ([op, n]) => op !== "same" && n > 0,
    );
    assert.deepEqual(changed, []);
  });
});
