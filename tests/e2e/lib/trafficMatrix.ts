/**
 * The connectivity matrix a deployed stack must have (issue 13), built from the pods running on
 * the local cluster and the stack's config. What each row requires is written out here from the
 * issue's rules, independently of the components' policy code:
 * - api-gateway -> model server `http` allowed; every other pod -> model server denied (its
 *   `metrics` port only from the monitoring namespace);
 * - model servers (their loaders) -> the model source allowed; training and batch -> object
 *   storage (CIDRs or the egress proxy) allowed; training worker <-> worker allowed;
 * - DNS to kube-dns (and NodeLocal DNSCache when configured) allowed;
 * - everything else out of the namespace denied.
 */
import type { StackConfig } from "../../../config/schema";
import { list } from "./cluster";
import type { Peer, TrafficCase } from "./cyclonus";
import { live, type KObject } from "./k8s";

const COMPONENT = "app.kubernetes.io/component";
const NAMESPACE_NAME = "kubernetes.io/metadata.name";

interface PodWithNetwork extends KObject {
  readonly spec: {
    readonly containers: readonly { readonly ports?: readonly { name?: string; containerPort: number }[] }[];
  };
  readonly status: { readonly phase: string; readonly podIP?: string };
}

/** An address inside a CIDR (the 10th host of an IPv4 network, or the address of a /32). */
export function hostIn(cidr: string): string {
  const [address = "", prefix = "32"] = cidr.split("/");
  if (Number(prefix) >= 31) return address;
  const octets = address.split(".").map(Number);
  octets[3] = (octets[3] ?? 0) + 10;
  return octets.join(".");
}

function ipv4Number(address: string): number {
  return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Whether an IPv4 address lies in a CIDR. */
export function inCidr(address: string, cidr: string): boolean {
  const [network = "", prefix = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(ipv4Number(address) / size) === Math.floor(ipv4Number(network) / size);
}

function podPeer(name: string, pod: PodWithNetwork, namespaceLabels: Record<string, string>): Peer {
  return {
    name,
    ip: pod.status.podIP ?? "192.0.2.250",
    pod: { namespace: pod.metadata.namespace ?? "", labels: pod.metadata.labels ?? {}, namespaceLabels },
  };
}

/** A pod the stack does not run (the gateway, a scraper, a stranger), as a traffic peer. */
function syntheticPeer(name: string, ip: string, namespace: string, labels: Record<string, string>): Peer {
  return { name, ip, pod: { namespace, labels, namespaceLabels: { [NAMESPACE_NAME]: namespace } } };
}

function outside(name: string, ip: string): Peer {
  return { name, ip };
}

async function namespacePods(namespace: string): Promise<PodWithNetwork[]> {
  return live(await list<PodWithNetwork>(["pods", "-n", namespace]));
}

function byRole(pods: readonly PodWithNetwork[], role: string): PodWithNetwork[] {
  return pods.filter((pod) => pod.metadata.labels?.[COMPONENT] === role);
}

function portOf(pod: PodWithNetwork, name: string): number {
  for (const container of pod.spec.containers)
    for (const port of container.ports ?? []) if (port.name === name) return port.containerPort;
  throw new Error(`pod ${pod.metadata.name} has no port named ${name}`);
}

function required<T>(item: T | undefined, what: string): T {
  if (item === undefined) throw new Error(`no ${what} on the cluster`);
  return item;
}

interface JobWithTemplate extends KObject {
  readonly spec: { readonly template: { readonly metadata?: { readonly labels?: Record<string, string> } } };
}

/** A stand-in for the pods of the namespace's batch Job: its template's labels, no address. */
async function batchTemplatePod(namespace: string): Promise<PodWithNetwork> {
  const jobs = await list<JobWithTemplate>(["jobs", "-n", namespace]);
  const job = required(
    jobs.find((j) => j.metadata.labels?.[COMPONENT] === "batch-inference"),
    `batch Job in ${namespace}`,
  );
  const stand: Omit<PodWithNetwork, "apiVersion" | "kind"> = {
    metadata: {
      name: `${job.metadata.name}-* (Job template)`,
      uid: job.metadata.uid,
      namespace,
      labels: job.spec.template.metadata?.labels ?? {},
    },
    spec: { containers: [] },
    status: { phase: "Succeeded" },
  };
  return { apiVersion: "v1", kind: "Pod", ...stand };
}

/** Every row of the matrix for `config`'s stack; `other` is another stack on the same cluster. */
export async function trafficCases(config: StackConfig, other: StackConfig): Promise<TrafficCase[]> {
  const ns = config.namespace;
  const nsLabels = { [NAMESPACE_NAME]: ns };
  const pods = await namespacePods(ns);
  const otherPods = await namespacePods(other.namespace);
  const server = required(byRole(pods, "model-server").at(0), `model-server pod in ${ns}`);
  const trainers = byRole(pods, "trainer");
  const trainer0 = required(trainers.at(0), `training worker in ${ns}`);
  const trainer1 = required(trainers.at(1), `second training worker in ${ns}`);
  // KWOK completes Job pods, so a finished batch run has none left: its Job's pod template
  // carries the labels (and policies select by labels) its pods had.
  const batch = byRole(pods, "batch-inference").at(0) ?? (await batchTemplatePod(ns));
  const otherServer = required(
    byRole(otherPods, "model-server").at(0),
    `model-server pod in ${other.namespace}`,
  );

  const s = podPeer(`model server ${server.metadata.name}`, server, nsLabels);
  const t0 = podPeer(`worker ${trainer0.metadata.name}`, trainer0, nsLabels);
  const t1 = podPeer(`worker ${trainer1.metadata.name}`, trainer1, nsLabels);
  const b = podPeer(`batch ${batch.metadata.name}`, batch, nsLabels);
  const otherS = podPeer(`model server ${otherServer.metadata.name} (${other.namespace})`, otherServer, {
    [NAMESPACE_NAME]: other.namespace,
  });
  const gateway = syntheticPeer(`api-gateway (${ns})`, "192.0.2.10", ns, { app: "api-gateway" });
  const otherGateway = syntheticPeer(`api-gateway (${other.namespace})`, "192.0.2.11", other.namespace, {
    app: "api-gateway",
  });
  const stranger = syntheticPeer(`unlabelled pod (${ns})`, "192.0.2.12", ns, { app: "debug" });
  const scraper = syntheticPeer("prometheus (monitoring)", "192.0.2.13", "monitoring", {
    "app.kubernetes.io/name": "prometheus",
  });
  const kubeDns = syntheticPeer("kube-dns (kube-system)", "192.0.2.53", "kube-system", {
    "k8s-app": "kube-dns",
  });
  const otherSystem = syntheticPeer("metrics-server (kube-system)", "192.0.2.54", "kube-system", {
    "k8s-app": "metrics-server",
  });
  const internet = outside("internet 1.1.1.1", "1.1.1.1");
  const apiServer = outside("API server 10.0.0.1", "10.0.0.1");

  const http = portOf(server, "http");
  const metrics = portOf(server, "metrics");
  const rendezvous = portOf(trainer0, "rendezvous");
  const tcp = (
    from: Peer,
    to: Peer,
    port: number,
    portName: string,
    expected: "allowed" | "denied",
  ): TrafficCase => ({
    from,
    to,
    protocol: "TCP",
    port,
    portName,
    expected,
  });
  const udp = (from: Peer, to: Peer, port: number, expected: "allowed" | "denied"): TrafficCase => ({
    from,
    to,
    protocol: "UDP",
    port,
    portName: "",
    expected,
  });

  const cases: TrafficCase[] = [
    tcp(gateway, s, http, "http", "allowed"),
    tcp(gateway, s, metrics, "metrics", "denied"),
    tcp(scraper, s, metrics, "metrics", "allowed"),
    tcp(scraper, s, http, "http", "denied"),
    tcp(stranger, s, http, "http", "denied"),
    tcp(t0, s, http, "http", "denied"),
    tcp(b, s, http, "http", "denied"),
    tcp(otherGateway, s, http, "http", "denied"),
    tcp(otherS, s, http, "http", "denied"),
    tcp(s, otherS, http, "http", "denied"),
    tcp(t0, t1, rendezvous, "rendezvous", "allowed"),
    tcp(t1, t0, rendezvous, "rendezvous", "allowed"),
    tcp(b, t0, rendezvous, "rendezvous", "denied"),
    tcp(s, t0, rendezvous, "rendezvous", "denied"),
  ];

  const { modelSource, objectStorage, proxy, nodeLocalDnsCidrs } = config.egress;
  for (const cidr of modelSource.cidrs.slice(0, 1)) {
    const host = hostIn(cidr);
    const port = modelSource.ports[0] ?? 443;
    const source = outside(`model source ${host}`, host);
    cases.push(tcp(s, source, port, "", "allowed"));
    // Training and batch reach the model source only where it is also their object storage.
    const alsoStorage =
      objectStorage.cidrs.some((c) => inCidr(host, c)) && objectStorage.ports.includes(port);
    for (const peer of [t0, b]) cases.push(tcp(peer, source, port, "", alsoStorage ? "allowed" : "denied"));
  }
  for (const cidr of objectStorage.cidrs.slice(0, 1)) {
    const host = hostIn(cidr);
    const storage = outside(`object storage ${host}`, host);
    for (const port of objectStorage.ports)
      for (const peer of [t0, b]) cases.push(tcp(peer, storage, port, "", "allowed"));
  }
  if (proxy !== undefined) {
    const proxyNs = proxy.namespaceLabels[NAMESPACE_NAME] ?? "egress-proxy";
    const proxyPeer: Peer = {
      name: `egress proxy (${proxyNs}):${String(proxy.port)}`,
      ip: "192.0.2.128",
      pod: {
        namespace: proxyNs,
        labels: { ...proxy.podLabels },
        namespaceLabels: { ...proxy.namespaceLabels },
      },
    };
    for (const peer of [s, t0, b]) cases.push(tcp(peer, proxyPeer, proxy.port, "", "allowed"));
    cases.push(tcp(stranger, proxyPeer, proxy.port, "", "denied"));
  }
  for (const peer of [s, t0, b]) {
    cases.push(udp(peer, kubeDns, 53, "allowed"));
    cases.push(tcp(peer, internet, 443, "", "denied"));
    cases.push(tcp(peer, internet, 80, "", "denied"));
  }
  cases.push(tcp(s, kubeDns, 53, "", "allowed"));
  cases.push(udp(s, otherSystem, 53, "denied"));
  cases.push(tcp(s, apiServer, 443, "", "denied"));
  cases.push(tcp(stranger, internet, 443, "", "denied"));
  for (const cidr of nodeLocalDnsCidrs) {
    const cache = outside(`NodeLocal DNSCache ${hostIn(cidr)}`, hostIn(cidr));
    for (const peer of [s, t0, b]) cases.push(udp(peer, cache, 53, "allowed"));
    cases.push(tcp(s, cache, 443, "", "denied"));
  }
  return cases;
}
