// Test pods for the Pod Security Standard, one or more per control, good and bad. The unit
// tests hold the pack to the expected controls and field paths; the end-to-end oracle test
// (tests/e2e/podSecurityOracle.test.ts) sends the same pods to a real API server in namespaces
// enforcing restricted and baseline, and holds the pack's verdict to Kubernetes' own.

export type Obj = Record<string, unknown>;

const IMAGE = "registry.k8s.io/pause:3.10";

const containerSc = (): Obj => ({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });

/** A Pod that meets "restricted": a server, a classic init container and a native sidecar. */
export function restrictedPod(name = "pss"): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ml", labels: { app: "pss" } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [
        { name: "init", image: IMAGE, securityContext: containerSc() },
        { name: "loader", image: IMAGE, restartPolicy: "Always", securityContext: containerSc() },
      ],
      containers: [
        {
          name: "server",
          image: IMAGE,
          ports: [{ name: "http", containerPort: 8000 }],
          readinessProbe: { httpGet: { path: "/health", port: 8000 } },
          securityContext: containerSc(),
        },
      ],
    },
  };
}

/** A test pod: how it differs from restrictedPod(), and the controls each level denies it for. */
export interface PssCase {
  readonly name: string;
  readonly edit: (pod: Obj) => void;
  /** Controls violated at level restricted (PodSecurity check identifiers). */
  readonly restricted: readonly string[];
  /** Controls violated at level baseline. */
  readonly baseline: readonly string[];
  /** Field paths the pack's messages must name at level restricted. */
  readonly paths?: readonly string[];
  /** Set when the case adds ephemeral containers (the API server takes them only on a running pod). */
  readonly ephemeral?: boolean;
  /**
   * Set when the API server's validation rejects the pod before admission (so Pod Security never
   * sees it): the text its error contains. The pack still judges the pod.
   */
  readonly apiInvalid?: string;
}

const spec = (pod: Obj): Obj => pod.spec as Obj;
const podSc = (pod: Obj): Obj => spec(pod).securityContext as Obj;
const containers = (pod: Obj): Obj[] => spec(pod).containers as Obj[];
const inits = (pod: Obj): Obj[] => spec(pod).initContainers as Obj[];
const server = (pod: Obj): Obj => containers(pod)[0];
const init = (pod: Obj): Obj => inits(pod)[0];
const loader = (pod: Obj): Obj => inits(pod)[1];
const sc = (container: Obj): Obj => container.securityContext as Obj;

/** A Windows pod: the Linux-only fields removed, non-root kept (restricted still asks for it). */
function windows(pod: Obj): void {
  spec(pod).os = { name: "windows" };
  spec(pod).securityContext = { runAsNonRoot: true };
  for (const container of [...containers(pod), ...inits(pod)]) container.securityContext = {};
}

export const PSS_CASES: readonly PssCase[] = [
  { name: "a restricted pod", edit: () => undefined, restricted: [], baseline: [] },
  // hostNamespaces
  ...(["hostPID", "hostIPC"] as const).map((field): PssCase => ({
    name: `${field}: true`,
    edit: (pod) => {
      spec(pod)[field] = true;
    },
    restricted: ["hostNamespaces"],
    baseline: ["hostNamespaces"],
    paths: [`spec.${field}`],
  })),
  {
    // With hostNetwork, the API server defaults each hostPort to the containerPort.
    name: "hostNetwork: true",
    edit: (pod) => {
      spec(pod).hostNetwork = true;
    },
    restricted: ["hostNamespaces", "hostPorts"],
    baseline: ["hostNamespaces", "hostPorts"],
    paths: ["spec.hostNetwork", "spec.containers[0].ports[0].hostPort"],
  },
  {
    name: "hostNetwork: true, no container ports",
    edit: (pod) => {
      spec(pod).hostNetwork = true;
      delete server(pod).ports;
    },
    restricted: ["hostNamespaces"],
    baseline: ["hostNamespaces"],
    paths: ["spec.hostNetwork"],
  },
  {
    name: "hostNetwork: false",
    edit: (pod) => {
      spec(pod).hostNetwork = false;
    },
    restricted: [],
    baseline: [],
  },
  // privileged
  {
    name: "a privileged sidecar",
    edit: (pod) => {
      loader(pod).securityContext = { privileged: true, capabilities: { drop: ["ALL"] } };
    },
    restricted: ["privileged", "allowPrivilegeEscalation"],
    baseline: ["privileged"],
    paths: ["spec.initContainers[1].securityContext.privileged"],
  },
  {
    name: "privileged: false",
    edit: (pod) => {
      sc(server(pod)).privileged = false;
    },
    restricted: [],
    baseline: [],
  },
  // capabilities
  {
    name: "an init container adding NET_RAW",
    edit: (pod) => {
      sc(init(pod)).capabilities = { drop: ["ALL"], add: ["NET_RAW"] };
    },
    restricted: ["capabilities_restricted"],
    baseline: ["capabilities_baseline"],
    paths: ["spec.initContainers[0].securityContext.capabilities.add"],
  },
  {
    name: "a container adding CHOWN (a default capability)",
    edit: (pod) => {
      sc(server(pod)).capabilities = { drop: ["ALL"], add: ["CHOWN"] };
    },
    restricted: ["capabilities_restricted"],
    baseline: [],
    paths: ["spec.containers[0].securityContext.capabilities.add"],
  },
  {
    name: "a container adding NET_BIND_SERVICE",
    edit: (pod) => {
      sc(server(pod)).capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] };
    },
    restricted: [],
    baseline: [],
  },
  {
    name: "a sidecar not dropping ALL",
    edit: (pod) => {
      sc(loader(pod)).capabilities = { drop: ["NET_RAW"] };
    },
    restricted: ["capabilities_restricted"],
    baseline: [],
    paths: ["spec.initContainers[1].securityContext.capabilities.drop"],
  },
  // volumes
  {
    name: "a hostPath volume",
    edit: (pod) => {
      spec(pod).volumes = [{ name: "dev", hostPath: { path: "/dev" } }];
    },
    restricted: ["restrictedVolumes"],
    baseline: ["hostPathVolumes"],
    paths: ["spec.volumes[0].hostPath"],
  },
  {
    name: "an nfs volume",
    edit: (pod) => {
      spec(pod).volumes = [{ name: "data", nfs: { server: "nfs.example.com", path: "/data" } }];
    },
    restricted: ["restrictedVolumes"],
    baseline: [],
    paths: ["spec.volumes[0].nfs"],
  },
  {
    name: "allowed volume types (and one without a source, an emptyDir)",
    edit: (pod) => {
      spec(pod).volumes = [
        { name: "scratch", emptyDir: {} },
        { name: "plain" },
        { name: "config", configMap: { name: "settings" } },
        { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
        {
          name: "info",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
        { name: "cache", persistentVolumeClaim: { claimName: "cache" } },
        { name: "creds", secret: { secretName: "creds" } },
      ];
    },
    restricted: [],
    baseline: [],
  },
  // hostPorts
  {
    name: "a hostPort",
    edit: (pod) => {
      server(pod).ports = [{ name: "http", containerPort: 8000, hostPort: 8000 }];
    },
    restricted: ["hostPorts"],
    baseline: ["hostPorts"],
    paths: ["spec.containers[0].ports[0].hostPort"],
  },
  // appArmorProfile
  {
    name: "an Unconfined pod AppArmor profile",
    edit: (pod) => {
      podSc(pod).appArmorProfile = { type: "Unconfined" };
    },
    restricted: ["appArmorProfile"],
    baseline: ["appArmorProfile"],
    paths: ["spec.securityContext.appArmorProfile.type"],
  },
  {
    name: "an unconfined AppArmor annotation",
    edit: (pod) => {
      (pod.metadata as Obj).annotations = {
        "container.apparmor.security.beta.kubernetes.io/server": "unconfined",
      };
    },
    restricted: ["appArmorProfile"],
    baseline: ["appArmorProfile"],
    paths: ['metadata.annotations["container.apparmor.security.beta.kubernetes.io/server"]'],
  },
  {
    name: "RuntimeDefault AppArmor on a container",
    edit: (pod) => {
      sc(server(pod)).appArmorProfile = { type: "RuntimeDefault" };
    },
    restricted: [],
    baseline: [],
  },
  // seLinuxOptions
  {
    name: "SELinux type spc_t on the pod",
    edit: (pod) => {
      podSc(pod).seLinuxOptions = { type: "spc_t" };
    },
    restricted: ["seLinuxOptions"],
    baseline: ["seLinuxOptions"],
    paths: ["spec.securityContext.seLinuxOptions.type"],
  },
  {
    name: "a custom SELinux user on an init container",
    edit: (pod) => {
      sc(init(pod)).seLinuxOptions = { user: "system_u" };
    },
    restricted: ["seLinuxOptions"],
    baseline: ["seLinuxOptions"],
    paths: ["spec.initContainers[0].securityContext.seLinuxOptions.user"],
  },
  {
    name: "SELinux type container_t with a level",
    edit: (pod) => {
      sc(server(pod)).seLinuxOptions = { type: "container_t", level: "s0:c123,c456" };
    },
    restricted: [],
    baseline: [],
  },
  // procMount and user namespaces
  {
    name: "an Unmasked /proc in a user namespace",
    edit: (pod) => {
      spec(pod).hostUsers = false;
      sc(server(pod)).procMount = "Unmasked";
    },
    restricted: ["procMount_restricted"],
    baseline: [],
    paths: ["spec.containers[0].securityContext.procMount"],
  },
  {
    name: "an Unmasked /proc outside a user namespace",
    edit: (pod) => {
      sc(server(pod)).procMount = "Unmasked";
    },
    restricted: ["procMount_restricted"],
    baseline: ["procMount"],
    paths: ["spec.containers[0].securityContext.procMount"],
    apiInvalid: "`hostUsers` must be false to use `Unmasked`",
  },
  {
    name: "root in a user namespace",
    edit: (pod) => {
      spec(pod).hostUsers = false;
      spec(pod).securityContext = {
        runAsNonRoot: false,
        runAsUser: 0,
        seccompProfile: { type: "RuntimeDefault" },
      };
    },
    restricted: [],
    baseline: [],
  },
  {
    name: "procMount: Default",
    edit: (pod) => {
      sc(server(pod)).procMount = "Default";
    },
    restricted: [],
    baseline: [],
  },
  // seccomp
  {
    name: "an Unconfined pod seccomp profile",
    edit: (pod) => {
      podSc(pod).seccompProfile = { type: "Unconfined" };
    },
    restricted: ["seccompProfile_restricted"],
    baseline: ["seccompProfile_baseline"],
    paths: ["spec.securityContext.seccompProfile.type"],
  },
  {
    name: "an Unconfined seccomp profile on a sidecar",
    edit: (pod) => {
      sc(loader(pod)).seccompProfile = { type: "Unconfined" };
    },
    restricted: ["seccompProfile_restricted"],
    baseline: ["seccompProfile_baseline"],
    paths: ["spec.initContainers[1].securityContext.seccompProfile.type"],
  },
  {
    name: "no seccomp profile",
    edit: (pod) => {
      delete podSc(pod).seccompProfile;
    },
    restricted: ["seccompProfile_restricted"],
    baseline: [],
    paths: ["spec.containers[0].securityContext.seccompProfile.type"],
  },
  {
    name: "Localhost seccomp on every container instead of the pod",
    edit: (pod) => {
      delete podSc(pod).seccompProfile;
      for (const container of [...containers(pod), ...inits(pod)]) {
        sc(container).seccompProfile = { type: "Localhost", localhostProfile: "profiles/audit.json" };
      }
    },
    restricted: [],
    baseline: [],
  },
  // sysctls
  {
    name: "an unsafe sysctl",
    edit: (pod) => {
      podSc(pod).sysctls = [
        { name: "net.ipv4.tcp_keepalive_time", value: "600" },
        { name: "kernel.msgmax", value: "65536" },
      ];
    },
    restricted: ["sysctls"],
    baseline: ["sysctls"],
    paths: ["spec.securityContext.sysctls[1].name"],
  },
  {
    name: "safe sysctls",
    edit: (pod) => {
      podSc(pod).sysctls = [
        { name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" },
        { name: "net.ipv4.ip_unprivileged_port_start", value: "80" },
      ];
    },
    restricted: [],
    baseline: [],
  },
  // Windows
  {
    name: "a Windows pod (no Linux-only fields)",
    edit: windows,
    restricted: [],
    baseline: [],
  },
  {
    name: "a Windows host process",
    edit: (pod) => {
      windows(pod);
      spec(pod).hostNetwork = true;
      spec(pod).securityContext = {
        runAsNonRoot: true,
        windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" },
      };
    },
    restricted: ["hostNamespaces", "hostPorts", "windowsHostProcess"],
    baseline: ["hostNamespaces", "hostPorts", "windowsHostProcess"],
    paths: ["spec.securityContext.windowsOptions.hostProcess"],
  },
  // hostProbesAndHostLifecycle
  {
    name: "a readiness probe on another host",
    edit: (pod) => {
      server(pod).readinessProbe = { httpGet: { host: "10.0.0.1", path: "/health", port: 8000 } };
    },
    restricted: ["hostProbesAndHostLifecycle"],
    baseline: ["hostProbesAndHostLifecycle"],
    paths: ["spec.containers[0].readinessProbe.httpGet.host"],
  },
  {
    name: "a preStop hook on another host",
    edit: (pod) => {
      server(pod).lifecycle = {
        preStop: { httpGet: { host: "metadata.internal", path: "/drain", port: 80 } },
      };
    },
    restricted: ["hostProbesAndHostLifecycle"],
    baseline: ["hostProbesAndHostLifecycle"],
    paths: ["spec.containers[0].lifecycle.preStop.httpGet.host"],
  },
  // allowPrivilegeEscalation
  {
    name: "an init container without allowPrivilegeEscalation",
    edit: (pod) => {
      delete sc(init(pod)).allowPrivilegeEscalation;
    },
    restricted: ["allowPrivilegeEscalation"],
    baseline: [],
    paths: ["spec.initContainers[0].securityContext.allowPrivilegeEscalation"],
  },
  {
    name: "allowPrivilegeEscalation: true",
    edit: (pod) => {
      sc(server(pod)).allowPrivilegeEscalation = true;
    },
    restricted: ["allowPrivilegeEscalation"],
    baseline: [],
    paths: ["spec.containers[0].securityContext.allowPrivilegeEscalation"],
  },
  // runAsNonRoot and runAsUser
  {
    name: "runAsNonRoot: false on the pod",
    edit: (pod) => {
      podSc(pod).runAsNonRoot = false;
    },
    restricted: ["runAsNonRoot"],
    baseline: [],
    paths: ["spec.securityContext.runAsNonRoot"],
  },
  {
    name: "no runAsNonRoot anywhere",
    edit: (pod) => {
      delete podSc(pod).runAsNonRoot;
    },
    restricted: ["runAsNonRoot"],
    baseline: [],
    paths: ["spec.containers[0].securityContext.runAsNonRoot"],
  },
  {
    name: "runAsNonRoot on every container instead of the pod",
    edit: (pod) => {
      delete podSc(pod).runAsNonRoot;
      for (const container of [...containers(pod), ...inits(pod)]) sc(container).runAsNonRoot = true;
    },
    restricted: [],
    baseline: [],
  },
  {
    name: "runAsUser 0 on a sidecar",
    edit: (pod) => {
      sc(loader(pod)).runAsUser = 0;
    },
    restricted: ["runAsUser"],
    baseline: [],
    paths: ["spec.initContainers[1].securityContext.runAsUser"],
  },
  {
    name: "runAsUser 0 on the pod",
    edit: (pod) => {
      podSc(pod).runAsUser = 0;
    },
    restricted: ["runAsUser"],
    baseline: [],
    paths: ["spec.securityContext.runAsUser"],
  },
  // ephemeral containers
  {
    name: "a privileged ephemeral container",
    ephemeral: true,
    edit: (pod) => {
      spec(pod).ephemeralContainers = [
        {
          name: "debug",
          image: IMAGE,
          securityContext: { privileged: true, capabilities: { drop: ["ALL"] } },
        },
      ];
    },
    restricted: ["privileged", "allowPrivilegeEscalation"],
    baseline: ["privileged"],
    paths: ["spec.ephemeralContainers[0].securityContext.privileged"],
  },
  {
    name: "an ephemeral container without a security context",
    ephemeral: true,
    edit: (pod) => {
      spec(pod).ephemeralContainers = [{ name: "debug", image: IMAGE }];
    },
    restricted: ["allowPrivilegeEscalation", "capabilities_restricted"],
    baseline: [],
    paths: ["spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation"],
  },
  {
    name: "a restricted ephemeral container",
    ephemeral: true,
    edit: (pod) => {
      spec(pod).ephemeralContainers = [{ name: "debug", image: IMAGE, securityContext: containerSc() }];
    },
    restricted: [],
    baseline: [],
  },
  // several at once
  {
    name: "several controls at once",
    edit: (pod) => {
      spec(pod).hostPID = true;
      spec(pod).volumes = [{ name: "root", hostPath: { path: "/" } }];
      sc(server(pod)).runAsUser = 0;
      sc(init(pod)).capabilities = { add: ["SYS_PTRACE"] };
    },
    restricted: ["hostNamespaces", "restrictedVolumes", "runAsUser", "capabilities_restricted"],
    baseline: ["hostNamespaces", "hostPathVolumes", "capabilities_baseline"],
  },
];

/** A case's pod: restrictedPod() with the case's edit applied. */
export function casePod(testCase: PssCase, name = "pss"): Obj {
  const pod = restrictedPod(name);
  testCase.edit(pod);
  return pod;
}

/** The distinct Pod Security controls the pack's messages name, sorted. */
export function controlsNamed(messages: readonly string[]): string[] {
  const controls = new Set<string>();
  for (const message of messages) {
    for (const match of message.matchAll(/Pod Security (?:baseline|restricted) control "(\w+)"/g)) {
      controls.add(match[1]);
    }
  }
  return [...controls].sort();
}
