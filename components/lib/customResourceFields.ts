/**
 * Custom-resource children a component exposes to TypeScript through getters rather than
 * fields. The component package's schema (package/) is inferred from a component's fields, and
 * it has no type for a Kubernetes custom resource (ServiceMonitor, ScaledObject, Kueue objects);
 * their names stay fields (`serviceMonitorName`, `localQueueName`), which every language reads.
 */
export class CustomResourceFields<Owner extends object, Fields> {
  private readonly byOwner = new WeakMap<Owner, Fields>();

  /** Keeps `fields` for `owner`; called once, in the owner's constructor. */
  set(owner: Owner, fields: Fields): void {
    this.byOwner.set(owner, fields);
  }

  /** The fields kept for `owner`. */
  get(owner: Owner): Fields {
    const fields = this.byOwner.get(owner);
    if (fields === undefined) throw new Error("read before the component's constructor set it");
    return fields;
  }
}
