/**
 * CIDR checks for NetworkPolicy `ipBlock`s. Only canonical network addresses are accepted
 * (no leading zeros, no host bits set: "10.0.0.0/8", not "10.0.0.1/8"), because newer API
 * servers warn about or reject the other spellings and because a CIDR with host bits set
 * usually means the author had a different range in mind.
 */

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;

/** The 32 bits of an IPv4 address as booleans, or undefined when it is not one. */
function ipv4Bits(address: string): boolean[] | undefined {
  const octets = address.split(".");
  if (octets.length !== 4 || !octets.every((o) => IPV4_OCTET.test(o) && Number(o) <= 255)) return undefined;
  return octets.flatMap((o) => bitsOf(Number(o), 8));
}

/** The 128 bits of an IPv6 address (hex groups, optionally one "::"), or undefined. */
function ipv6Bits(address: string): boolean[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] =>
    part === undefined || part === "" ? [] : part.split(":");
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  if (!groups.every((g) => IPV6_GROUP.test(g))) return undefined;
  return groups.flatMap((g) => bitsOf(parseInt(g, 16), 16));
}

function bitsOf(value: number, width: number): boolean[] {
  return Array.from({ length: width }, (_, i) => ((value >> (width - 1 - i)) & 1) === 1);
}

/** True for an IPv4 or IPv6 CIDR in canonical form: a network address with no host bits set. */
export function isCanonicalCidr(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const parts = value.split("/");
  if (parts.length !== 2) return false;
  const [address = "", prefix = ""] = parts;
  const bits = address.includes(":") ? ipv6Bits(address) : ipv4Bits(address);
  if (bits === undefined || !PREFIX_LENGTH.test(prefix)) return false;
  const prefixLength = Number(prefix);
  return prefixLength <= bits.length && bits.slice(prefixLength).every((bit) => !bit);
}
