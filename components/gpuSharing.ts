/**
 * GpuSharing: NVIDIA device-plugin time-slicing, so several small inference pods can share
 * one physical GPU.
 *
 * It creates the device plugin's config as a ConfigMap in the GPU operator's namespace and
 * labels the listed nodes `nvidia.com/device-plugin.config=<profile>`, which makes the plugin on
 * those nodes load that profile and advertise each GPU `replicas` times.
 *
 * What it does not do, and the operator of the cluster must:
 * - point the GPU operator at the ConfigMap: `devicePlugin.config.name=<configMapName>` in the
 *   gpu-operator Helm values (or `spec.devicePlugin.config.name` of the ClusterPolicy). Setting
 *   `devicePlugin.config.default=<profile>` there applies the profile to every GPU node, in which
 *   case `nodeNames` can stay empty;
 * - restart the device-plugin pods after changing the ConfigMap's content: the operator does not
 *   watch it (relabelling a node, by contrast, is picked up by the plugin's config manager).
 *
 * Time-slicing gives no memory or fault isolation between the pods on a GPU; use it for
 * workloads that fit together in one GPU's memory.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { GPU_RESOURCE, SHARED_GPU_RESOURCE } from "../conventions/gpu";
import { ComponentRoles } from "../conventions/labels";
import { PACKAGE, standardLabels } from "./lib/labels";
import { childOptions } from "./lib/component";
import { type Resolved, resolveSettings } from "./lib/resolve";
import { ArgChecker } from "./lib/validation";
import { componentOptions, componentType } from "./lib/typeTokens";

/** Type token of the component. */
export const GPU_SHARING_TYPE = componentType("GpuSharing");

/** `app.kubernetes.io/name` of everything GpuSharing creates. */
export const GPU_SHARING_APP_NAME = "gpu-sharing";

/** Node label the device plugin reads to pick its config profile. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";

/**
 * The resource time-sliced GPUs are advertised as when `renameByDefault` is true. Pods that
 * accept a shared GPU request it (ModelServing's `gpuResourceName`; the policy pack treats it as
 * a GPU too), while pods that need a whole GPU keep requesting `nvidia.com/gpu`.
 */
export { SHARED_GPU_RESOURCE };

export interface GpuSharingArgs {
  /**
   * Replicas each physical GPU is advertised as (at least 2).
   */
  readonly replicas: pulumi.Input<number>;
  /**
   * Name of the config profile: the ConfigMap data key and the node label's value, e.g. "any"
   * or a product-specific name such as "l40s".
   * @default "any"
   */
  readonly profile?: pulumi.Input<string>;
  /**
   * Namespace of the GPU operator, where the device plugin reads its config.
   * @default "gpu-operator"
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Name of the ConfigMap; the GPU operator's `devicePlugin.config.name` must name it.
   * @default "time-slicing-config"
   */
  readonly configMapName?: pulumi.Input<string>;
  /**
   * Advertise the slices as `nvidia.com/gpu.shared` instead of `nvidia.com/gpu`, so that only
   * pods that ask for a shared GPU get one.
   * @default true
   */
  readonly renameByDefault?: pulumi.Input<boolean>;
  /**
   * Reject pods asking for more than one slice: several slices of a shared GPU give no more
   * compute or memory than one, so such a request is almost always a mistake.
   * @default true
   */
  readonly failRequestsGreaterThanOne?: pulumi.Input<boolean>;
  /**
   * Nodes to label with the profile. Empty: only the ConfigMap is created, and nodes are
   * labelled by hand (`kubectl label node <node> nvidia.com/device-plugin.config=<profile>`)
   * or get the profile from the ClusterPolicy's `devicePlugin.config.default`.
   * Must be known when the component is constructed (one NodePatch per node).
   * @default []
   */
  readonly nodeNames?: string[];
  /**
   * Take the node label over even when another field manager (for example an earlier
   * `kubectl label`) set it to a different value. Without it such a conflict fails the update.
   * @default false
   */
  readonly forceNodeLabels?: pulumi.Input<boolean>;
}

export type ResolvedGpuSharingArgs = Resolved<GpuSharingArgs>;

/** GpuSharing arguments with every default applied. */
export interface GpuSharingSettings {
  readonly replicas: number;
  readonly profile: string;
  readonly namespace: string;
  readonly configMapName: string;
  readonly renameByDefault: boolean;
  readonly failRequestsGreaterThanOne: boolean;
  readonly nodeNames: readonly string[];
  readonly forceNodeLabels: boolean;
}

/** Every literal default of GpuSharing, in one place. */
export const GPU_SHARING_DEFAULTS = {
  profile: "any",
  namespace: "gpu-operator",
  configMapName: "time-slicing-config",
  renameByDefault: true,
  failRequestsGreaterThanOne: true,
  nodeNames: [],
  forceNodeLabels: false,
} as const;

/** Checks every argument; throws one ValidationError listing all problems. */
export function validateGpuSharingArgs(name: string, args: ResolvedGpuSharingArgs): void {
  const checker = new ArgChecker(`GpuSharing ${JSON.stringify(name)}`);
  checker.dnsLabel("name", name).dnsLabel("profile", args.profile).dnsLabel("namespace", args.namespace);
  checker
    .wholeNumber("replicas", args.replicas, 2)
    .dnsSubdomain("configMapName", args.configMapName, "a ConfigMap name")
    .boolean("renameByDefault", args.renameByDefault)
    .boolean("failRequestsGreaterThanOne", args.failRequestsGreaterThanOne)
    .boolean("forceNodeLabels", args.forceNodeLabels);
  const nodeNames: readonly unknown[] = args.nodeNames ?? [];
  const seen = new Set<unknown>();
  nodeNames.forEach((node, index) => {
    // A node listed as undefined is no node name either (dnsSubdomain skips undefined).
    checker
      .check(node !== undefined, `nodeNames[${index}]`, node, "a node name")
      .dnsSubdomain(`nodeNames[${index}]`, node, "a node name")
      .check(!seen.has(node), `nodeNames[${index}]`, node, "listed once");
    seen.add(node);
  });
  checker.throwIfInvalid();
}

/** Applies the documented defaults to validated arguments. */
export function withGpuSharingDefaults(args: ResolvedGpuSharingArgs): GpuSharingSettings {
  return {
    replicas: args.replicas,
    profile: args.profile ?? GPU_SHARING_DEFAULTS.profile,
    namespace: args.namespace ?? GPU_SHARING_DEFAULTS.namespace,
    configMapName: args.configMapName ?? GPU_SHARING_DEFAULTS.configMapName,
    renameByDefault: args.renameByDefault ?? GPU_SHARING_DEFAULTS.renameByDefault,
    failRequestsGreaterThanOne:
      args.failRequestsGreaterThanOne ?? GPU_SHARING_DEFAULTS.failRequestsGreaterThanOne,
    nodeNames: args.nodeNames ?? GPU_SHARING_DEFAULTS.nodeNames,
    forceNodeLabels: args.forceNodeLabels ?? GPU_SHARING_DEFAULTS.forceNodeLabels,
  };
}

/** The resource pods request to get a slice of a shared GPU. */
export function advertisedResourceName(settings: Pick<GpuSharingSettings, "renameByDefault">): string {
  return settings.renameByDefault ? SHARED_GPU_RESOURCE : GPU_RESOURCE;
}

/**
 * The device plugin's config file for one profile (format `version: v1`). `flags` are left
 * out on purpose, so the operator's own settings (such as the MIG strategy) stay in force.
 * Written as text: every value is a boolean, a whole number or a plain resource name, and
 * loading a YAML library for it cost every program run ~30 ms of start-up (bench/).
 */
export function timeSlicingConfig(settings: GpuSharingSettings): string {
  return [
    "version: v1",
    "sharing:",
    "  timeSlicing:",
    `    renameByDefault: ${String(settings.renameByDefault)}`,
    `    failRequestsGreaterThanOne: ${String(settings.failRequestsGreaterThanOne)}`,
    "    resources:",
    `      - name: ${GPU_RESOURCE}`,
    `        replicas: ${String(settings.replicas)}`,
    "",
  ].join("\n");
}

/** The ConfigMap holding the profile, in the GPU operator's namespace. */
export function timeSlicingConfigMap(
  name: string,
  settings: GpuSharingSettings,
): { metadata: k8s.types.input.meta.v1.ObjectMeta; data: Record<string, string> } {
  return {
    metadata: {
      name: settings.configMapName,
      namespace: settings.namespace,
      labels: standardLabels(GPU_SHARING_APP_NAME, name, ComponentRoles.gpuSharing),
    },
    data: { [settings.profile]: timeSlicingConfig(settings) },
  };
}

/** Field manager of the label patches: one per component, so two instances never silently overwrite each other. */
export function nodeLabelFieldManager(name: string): string {
  return `${PACKAGE}-${GPU_SHARING_APP_NAME}-${name}`;
}

/**
 * The server-side-apply patch that labels one node. The patch owns only this label (under its
 * own field manager); destroying it removes the label again unless another manager also set
 * it, and the device plugin on that node falls back to its default config (no sharing unless
 * the ClusterPolicy sets a default), so pods already holding slices keep running but new ones
 * no longer find the shared resource there. Patching nodes needs `patch` on nodes (cluster
 * scope) for the identity Pulumi runs as.
 */
export function nodeLabelPatch(
  name: string,
  nodeName: string,
  settings: GpuSharingSettings,
): { metadata: k8s.types.input.meta.v1.ObjectMetaPatch } {
  return {
    metadata: {
      name: nodeName,
      labels: { [DEVICE_PLUGIN_CONFIG_LABEL]: settings.profile },
      annotations: {
        "pulumi.com/patchFieldManager": nodeLabelFieldManager(name),
        ...(settings.forceNodeLabels ? { "pulumi.com/patchForce": "true" } : {}),
      },
    },
  };
}

/** Time-slicing config for the NVIDIA device plugin and the node labels that select it. */
export class GpuSharing extends pulumi.ComponentResource {
  public readonly configMap: corev1.ConfigMap;
  public readonly nodePatches: corev1.NodePatch[];

  /** Name of the ConfigMap (set it as the GPU operator's `devicePlugin.config.name`). */
  public readonly configMapName: pulumi.Output<string>;
  /** The profile (ConfigMap key and node label value). */
  public readonly profile: pulumi.Output<string>;
  /** The resource pods request for a slice: `nvidia.com/gpu.shared`, or `nvidia.com/gpu` without renaming. */
  public readonly advertisedResourceName: pulumi.Output<string>;
  /** Replicas per physical GPU. */
  public readonly replicas: pulumi.Output<number>;
  /** Nodes this component labelled. */
  public readonly labelledNodes: pulumi.Output<string[]>;

  constructor(name: string, args: GpuSharingArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateGpuSharingArgs(name, resolved);
      },
      withGpuSharingDefaults,
    );
    super(GPU_SHARING_TYPE, name, {}, componentOptions("GpuSharing", opts));

    const configMap = settings.apply((resolved) => timeSlicingConfigMap(name, resolved));
    this.configMap = new corev1.ConfigMap(
      `${name}-config`,
      { metadata: configMap.metadata, data: configMap.data },
      childOptions(this),
    );

    // The label only matters once the config it names exists. A patch changes an existing node
    // rather than creating an object with a fixed name, so it keeps the default create-first
    // replacement.
    this.nodePatches = (args.nodeNames ?? GPU_SHARING_DEFAULTS.nodeNames).map(
      (nodeName) =>
        new corev1.NodePatch(
          `${name}-label-${nodeName}`,
          { metadata: settings.apply((resolved) => nodeLabelPatch(name, nodeName, resolved).metadata) },
          childOptions(this, { dependsOn: [this.configMap], deleteBeforeReplace: false }),
        ),
    );

    this.configMapName = this.configMap.metadata.name;
    this.profile = settings.profile;
    this.advertisedResourceName = settings.apply(advertisedResourceName);
    this.replicas = settings.replicas;
    this.labelledNodes = pulumi.all(this.nodePatches.map((patch) => patch.metadata.apply((m) => m.name)));

    this.registerOutputs({
      configMapName: this.configMapName,
      profile: this.profile,
      advertisedResourceName: this.advertisedResourceName,
      replicas: this.replicas,
      labelledNodes: this.labelledNodes,
    });
  }
}
