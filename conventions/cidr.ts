/**
 * IPv4 and IPv6 CIDR blocks, as NetworkPolicy `ipBlock`s hold them. The address math is
 * ipaddr.js's; what is added here is how Kubernetes spells and reads CIDRs.
 */
import * as ipaddr from "ipaddr.js";

/** A parsed CIDR block: its network address (host bits cleared) and prefix length. */
export interface Cidr {
  readonly network: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefixLength: number;
}

const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;
const SLOPPY_IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * An address as the API server reads one in an ipBlock: IPv4 octets are decimal even with
 * leading zeros (Kubernetes' ParseCIDRSloppy), where ipaddr.js would read "010" as octal.
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (text.includes(":")) {
    return !text.includes("%") && ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : undefined;
  }
  if (!SLOPPY_IPV4.test(text)) return undefined;
  const octets = text.split(".").map(Number);
  return octets.every((octet) => octet <= 255) ? new ipaddr.IPv4(octets) : undefined;
}

function splitCidr(text: string): { address: string; prefix: string } | undefined {
  const parts = text.trim().split("/");
  if (parts.length !== 2) return undefined;
  const [address = "", prefix = ""] = parts;
  return PREFIX_LENGTH.test(prefix) ? { address, prefix } : undefined;
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefixLength: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray();
  const masked = bytes.map((byte, index) => {
    const bitsInByte = Math.min(Math.max(prefixLength - index * 8, 0), 8);
    return byte & ((0xff << (8 - bitsInByte)) & 0xff);
  });
  return ipaddr.fromByteArray(masked);
}

/** Parses "10.0.0.0/8" or "fd00::/8" (host bits are cleared); undefined when it is no CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const parts = splitCidr(text);
  if (parts === undefined) return undefined;
  const address = parseAddress(parts.address);
  const prefixLength = Number(parts.prefix);
  if (address === undefined || prefixLength > address.toByteArray().length * 8) return undefined;
  return { network: networkOf(address, prefixLength), prefixLength };
}

/**
 * True for a CIDR in canonical form: a four-part decimal IPv4 address without leading zeros, or
 * an IPv6 address, whose host bits are all clear ("10.0.0.0/8", not "10.0.0.1/8"). Newer API
 * servers warn about or reject other spellings, and set host bits usually mean a different
 * range was meant.
 */
export function isCanonicalCidr(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const parts = splitCidr(value);
  if (parts === undefined || value.trim() !== value) return false;
  if (!parts.address.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(parts.address)) return false;
  const cidr = parseCidr(value);
  const address = parseAddress(parts.address);
  return (
    cidr !== undefined &&
    address !== undefined &&
    cidr.network.toByteArray().every((byte, index) => byte === address.toByteArray()[index])
  );
}

/** True when every address of `inner` lies in `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.network.kind() === inner.network.kind() &&
    inner.prefixLength >= outer.prefixLength &&
    inner.network.match(outer.network, outer.prefixLength)
  );
}

/** 0.0.0.0/0, ::/0, or any other block with prefix length 0: the whole internet. */
export function isWholeInternet(cidr: Cidr): boolean {
  return cidr.prefixLength === 0;
}
