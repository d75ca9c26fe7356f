import * as pulumi from "@pulumi/pulumi";

/**
 * Exclusive claims on a Kubernetes object within one Pulumi program run, for things only one
 * component may do to it: put an autoscaler on a Deployment, say. Two components doing it
 * would each look fine on its own and only fight once both run in the cluster.
 */
export class ExclusiveClaims {
  private readonly owners = new Map<string, string>();

  /** The key of an object: namespace, kind and name. */
  static key(namespace: string, kind: string, name: string): string {
    return `${namespace}/${kind}/${name}`;
  }

  /**
   * Claims `key` for `owner`. Returns the other owner when someone else holds it already
   * (and leaves the claim with them); undefined when the claim succeeded or was already ours.
   */
  claim(key: string, owner: string): string | undefined {
    const holder = this.owners.get(key);
    if (holder !== undefined && holder !== owner) return holder;
    this.owners.set(key, owner);
    return undefined;
  }
}

/** Stands for the run when no program is running (a component constructed outside Pulumi). */
const NO_RUN = {};

const claimsByRun = new WeakMap<object, Map<string, ExclusiveClaims>>();

/**
 * The claims of one kind (`registry`, e.g. "autoscaled Deployments") in the program run that is
 * registering resources now. A run is identified by its resource monitor: the engine's for a
 * CLI run, each Automation API inline program's own, and a new one for every `setMocks`. So two
 * inline programs in one process never see each other's claims, and nothing is left over from
 * one run to the next.
 */
export function claimsOfThisRun(registry: string): ExclusiveClaims {
  const run: object = pulumi.runtime.getMonitor() ?? NO_RUN;
  let registries = claimsByRun.get(run);
  if (registries === undefined) {
    registries = new Map();
    claimsByRun.set(run, registries);
  }
  let claims = registries.get(registry);
  if (claims === undefined) {
    claims = new ExclusiveClaims();
    registries.set(registry, claims);
  }
  return claims;
}
