/** The ModelServing component: wires the specs of a GPU model server to resources. */
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalerResources } from "../autoscaling/create";
import { childOptions } from "../lib/component";
import { logQueued, QUEUE_LABEL_PATH } from "../lib/queue";
import { CustomResourceFields } from "../lib/customResourceFields";
import { componentOptions, componentType } from "../lib/typeTokens";
import { fieldsOf, resolveSettings } from "../lib/resolve";
import type { ServiceMonitorResources } from "../monitoring/create";
import type { ModelServingArgs } from "./args";
import { attachAutoscaler, attachServiceMonitors, claimModelServingTargets } from "./attachments";
import {
  buildDeployment,
  buildPodDisruptionBudget,
  buildService,
  buildServiceAccount,
  serviceDnsName,
} from "./objects";
import { modelServingSelectorLabels } from "./pod";
import { isAutoscaled, withModelServingDefaults } from "./settings";
import { validateModelServingArgs } from "./validate";

export const MODEL_SERVING_TYPE = componentType("ModelServing");

const attachedOf = new CustomResourceFields<
  ModelServing,
  {
    readonly autoscaler: AutoscalerResources | undefined;
    readonly serviceMonitors: ServiceMonitorResources | undefined;
  }
>();

/**
 * An online model server on GPUs. One Deployment whose pods run the model server plus a model
 * loader; both share a `/models` volume: the loader downloads the model into
 * `/models/<modelName>` and then writes a ready marker, and the server only starts once the
 * marker is there. `server` picks a preset for vLLM or TGI (presets.ts): metrics on the API port,
 * the server's flags, its health paths and autoscaling signals. Around it: a ClusterIP Service
 * (ports `http` and, unless metrics are served on `http`, `metrics`), a
 * PodDisruptionBudget and a ServiceAccount of its own, all named after the component, plus, when
 * asked, its autoscaler and ServiceMonitors.
 */
export class ModelServing extends pulumi.ComponentResource {
  public readonly serviceAccount: corev1.ServiceAccount;
  public readonly deployment: appsv1.Deployment;
  public readonly service: corev1.Service;
  public readonly podDisruptionBudget: policyv1.PodDisruptionBudget;
  /** The HPA or ScaledObject, with `autoscaling` (a getter: see CustomResourceFields). */
  public get autoscaler(): AutoscalerResources | undefined {
    return attachedOf.get(this).autoscaler;
  }
  /** The ServiceMonitors, with `monitoring` (a getter: see CustomResourceFields). */
  public get serviceMonitors(): ServiceMonitorResources | undefined {
    return attachedOf.get(this).serviceMonitors;
  }

  public readonly deploymentName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** `<service>.<namespace>.svc.cluster.local` */
  public readonly serviceDnsName: pulumi.Output<string>;
  /** Labels selecting the pods; the Service carries them too (select it with a ServiceMonitor). */
  public readonly selectorLabels: pulumi.Output<Record<string, string>>;
  public readonly httpPort: pulumi.Output<number>;
  public readonly metricsPort: pulumi.Output<number>;
  /** Name of the HPA or ScaledObject, with `autoscaling`. */
  public readonly autoscalerName?: pulumi.Output<string>;
  /** The LocalQueue the server pods wait in, or undefined when not queued. */
  public readonly queueName: pulumi.Output<string | undefined>;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveSettings(
      args,
      (resolved) => {
        validateModelServingArgs(name, resolved);
        claimModelServingTargets(name, resolved);
      },
      (resolved) => withModelServingDefaults(name, resolved),
    );
    super(MODEL_SERVING_TYPE, name, {}, componentOptions("ModelServing", opts));

    this.serviceAccount = new corev1.ServiceAccount(
      `${name}-sa`,
      fieldsOf(settings, buildServiceAccount, ["metadata", "automountServiceAccountToken"]),
      childOptions(this),
    );
    this.deployment = new appsv1.Deployment(
      `${name}-deploy`,
      fieldsOf(settings, buildDeployment, ["metadata", "spec"]),
      childOptions(this, {
        dependsOn: [this.serviceAccount],
        // With an autoscaler, replicas is the initial count only; see ModelServingArgs.autoscaled.
        ...(isAutoscaled(args) ? { ignoreChanges: ["spec.replicas"] } : {}),
        // Kueue gates only pods created after the Deployment is on its queue: moving a running
        // server onto or off a queue replaces it (delete first, like every child), so every pod
        // is admitted by the queue or none is.
        replaceOnChanges: [QUEUE_LABEL_PATH],
      }),
    );
    logQueued(
      this.deployment,
      settings,
      "Kueue starts each server pod when the queue's quota has room for it",
    );
    this.service = new corev1.Service(
      `${name}-svc`,
      fieldsOf(settings, buildService, ["metadata", "spec"]),
      childOptions(this),
    );
    this.podDisruptionBudget = new policyv1.PodDisruptionBudget(
      `${name}-pdb`,
      fieldsOf(settings, buildPodDisruptionBudget, ["metadata", "spec"]),
      childOptions(this),
    );
    let autoscaler: AutoscalerResources | undefined;
    let serviceMonitors: ServiceMonitorResources | undefined;
    if (args.autoscaling !== undefined) {
      autoscaler = attachAutoscaler(this, name, args.autoscaling, settings, this.deployment, opts);
      this.autoscalerName = autoscaler.name;
    }
    if (args.monitoring !== undefined) {
      serviceMonitors = attachServiceMonitors(this, name, args.monitoring, settings, opts);
    }
    attachedOf.set(this, { autoscaler, serviceMonitors });

    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.namespace = settings.namespace;
    this.serviceDnsName = pulumi
      .all([this.service.metadata.name, settings])
      .apply(([serviceName, s]) => serviceDnsName({ ...s, name: serviceName }));
    this.selectorLabels = settings.apply(modelServingSelectorLabels);
    this.httpPort = settings.httpPort;
    this.metricsPort = settings.metricsPort;
    this.queueName = settings.apply((resolved) => resolved.queueName);

    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      namespace: this.namespace,
      serviceDnsName: this.serviceDnsName,
      selectorLabels: this.selectorLabels,
      httpPort: this.httpPort,
      metricsPort: this.metricsPort,
      autoscalerName: this.autoscalerName,
      queueName: this.queueName,
    });
  }
}
