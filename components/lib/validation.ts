/**
 * Early validation shared by the components and the stack config. Every failure says where
 * (component or stack), which property, the value found and what is allowed.
 */
import { GPU_PRODUCT_LABEL } from "../../conventions/gpu";
import { isQuantity, parseQuantity } from "../../conventions/quantity";

/** Thrown for invalid component arguments or stack config, before any resource is registered. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValidationError";
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const IMAGE_DIGEST = /@sha256:[0-9a-f]{64}$/;
const IMAGE_TAG = /:([\w][\w.-]{0,127})$/;

/** True for a DNS-1123 label (RFC 1123): lower-case alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/**
 * True for a DNS-1035 label, what Service names must be: a DNS-1123 label that starts with a
 * letter, at most 63 characters.
 */
export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS1035_LABEL.test(value);
}

/** True for a DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * True for a Kubernetes label value (also what a node-affinity `values` list holds): at most
 * 63 characters, empty or starting and ending with a letter or digit, with '-', '_' and '.' inside.
 */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * True for a Kubernetes label key: a name (at most 63 characters, alphanumerics with '-', '_' and
 * '.' inside) with an optional DNS-1123 subdomain prefix and '/', e.g. `app.kubernetes.io/name`.
 */
export function isLabelKey(value: string): boolean {
  const slash = value.indexOf("/");
  const name = slash === -1 ? value : value.slice(slash + 1);
  const prefix = slash === -1 ? undefined : value.slice(0, slash);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** True for a name Kubernetes accepts as a container environment variable. */
export function isEnvVarName(value: string): boolean {
  return ENV_VAR_NAME.test(value);
}

/**
 * The tag of an image reference, or undefined when it has none. A registry port
 * (`host:5000/img`) is not a tag: a tag never contains '/'.
 */
export function imageTag(image: string): string | undefined {
  const lastSlash = image.lastIndexOf("/");
  const match = IMAGE_TAG.exec(image.slice(lastSlash + 1).split("@")[0] ?? "");
  return match?.[1];
}

/** True when an image is pinned: by digest, or by a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  if (image.trim() !== image || image.length === 0) return false;
  if (IMAGE_DIGEST.test(image)) return true;
  const tag = imageTag(image);
  return tag !== undefined && tag !== "latest";
}

/** Quotes a value for an error message the way it was given (strings quoted, objects as JSON). */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

const QUANTITY_EXAMPLES = '"500m", "4" or "16Gi"';

/**
 * Collects the problems of one component's arguments, then throws them together as one error.
 * Each check skips a value that is undefined (an optional argument left out); arguments may
 * come from JavaScript callers, so the checks that take `unknown` also reject values of the
 * wrong type.
 */
export class ArgChecker {
  private problems: string[] = [];
  private prefix = "";

  /** @param where who owns the arguments, e.g. `ModelServing "llama"`. */
  constructor(private readonly where: string) {}

  /**
   * A checker that records into this one, with `prefix` before every property, for arguments
   * nested in another's (e.g. "autoscaling."), so one error still lists every problem.
   */
  scoped(prefix: string): ArgChecker {
    const scoped = new ArgChecker(this.where);
    scoped.problems = this.problems;
    scoped.prefix = `${this.prefix}${prefix}`;
    return scoped;
  }

  /** Records a problem with `property` when `ok` is false. */
  check(ok: boolean, property: string, value: unknown, allowed: string): this {
    if (!ok) this.problems.push(`${this.prefix}${property} must be ${allowed}; got ${show(value)}`);
    return this;
  }

  /** A DNS-1123 label such as a Kubernetes object or port name. */
  dnsLabel(property: string, value: string | undefined, maxLength = 63): this {
    if (value === undefined) return this;
    return this.check(
      value.length <= maxLength && isDns1123Label(value),
      property,
      value,
      `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters)`,
    );
  }

  /**
   * A DNS-1123 subdomain, such as the name of most Kubernetes objects or a DNS domain.
   * @param names what the value names, for the message, e.g. "a PriorityClass name".
   */
  dnsSubdomain(property: string, value: unknown, names?: string): this {
    if (value === undefined) return this;
    const rule = "lower-case letters, digits, '-' and '.', at most 253 characters";
    return this.check(
      typeof value === "string" && isDns1123Subdomain(value),
      property,
      value,
      names === undefined ? `a DNS-1123 subdomain (${rule})` : `${names} (a DNS-1123 subdomain: ${rule})`,
    );
  }

  /** An image pinned by tag or digest. */
  image(property: string, value: string | undefined): this {
    if (value === undefined) return this;
    return this.check(
      isPinnedImage(value),
      property,
      value,
      "an image pinned by a tag other than 'latest' or by an @sha256 digest",
    );
  }

  /** A whole number in [min, max]. */
  wholeNumber(property: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): this {
    if (value === undefined) return this;
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    return this.check(
      Number.isInteger(value) && value >= min && value <= max,
      property,
      value,
      `a whole number ${range}`,
    );
  }

  /** true or false. */
  boolean(property: string, value: unknown): this {
    if (value === undefined) return this;
    return this.check(typeof value === "boolean", property, value, "true or false");
  }

  /** A Kubernetes resource quantity such as "500m", "4" or "16Gi" (any sign, as the API parses it). */
  quantity(property: string, value: unknown): this {
    if (value === undefined) return this;
    return this.check(
      isQuantity(value),
      property,
      value,
      `a Kubernetes quantity such as ${QUANTITY_EXAMPLES}`,
    );
  }

  /** A Kubernetes resource quantity above zero. */
  positiveQuantity(property: string, value: unknown): this {
    if (value === undefined) return this;
    return this.check(
      isQuantity(value) && (parseQuantity(value) ?? 0) > 0,
      property,
      value,
      `a positive Kubernetes quantity such as ${QUANTITY_EXAMPLES}`,
    );
  }

  /**
   * The size of a memory-backed `/dev/shm` below the container's memory: tmpfs pages are charged
   * to the container's memory cgroup, so a full /dev/shm as large as the limit would OOM-kill it.
   * Pass the values with defaults applied; skipped unless both are quantities (the quantity
   * checks report those that are not).
   */
  sharedMemoryBelow(property: string, shm: unknown, memoryProperty: string, memory: unknown): this {
    const shmBytes = isQuantity(shm) ? parseQuantity(shm) : undefined;
    const memoryBytes = isQuantity(memory) ? parseQuantity(memory) : undefined;
    if (shmBytes === undefined || memoryBytes === undefined) return this;
    return this.check(
      shmBytes < memoryBytes,
      property,
      shm,
      `less than ${memoryProperty} (${String(memory)}), because /dev/shm is charged against the memory limit`,
    );
  }

  /**
   * GPU products for a node affinity on `nvidia.com/gpu.product`: each must be a valid label
   * value. Whether a product exists in the cluster is the stack config's business (its
   * `gpuNodes`), so products newer than the project are accepted.
   */
  gpuProducts(property: string, products: readonly unknown[] | undefined): this {
    if (products === undefined) return this;
    const invalid = products.filter((product) => typeof product !== "string" || !isLabelValue(product));
    return this.check(
      invalid.length === 0,
      property,
      invalid,
      `a list of ${GPU_PRODUCT_LABEL} label values (each at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
    );
  }

  /** Throws one ValidationError listing every problem recorded, if any. */
  throwIfInvalid(): void {
    if (this.problems.length === 0) return;
    const lines =
      this.problems.length === 1 ? ` ${this.problems[0] ?? ""}` : `\n  - ${this.problems.join("\n  - ")}`;
    throw new ValidationError(`${this.where}: invalid arguments:${lines}`);
  }
}
