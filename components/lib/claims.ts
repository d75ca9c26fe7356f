/**
 * Exclusive claims on a Kubernetes object within one Pulumi program, for things only one
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

  /** Forgets every claim; for tests that build several programs in one process. */
  clear(): void {
    this.owners.clear();
  }
}
