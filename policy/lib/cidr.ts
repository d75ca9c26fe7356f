// IPv4/IPv6 CIDR blocks for NetworkPolicy ipBlock peers.

export interface Cidr {
  family: 4 | 6;
  /** Network address as a 32- or 128-bit integer, host bits cleared. */
  base: bigint;
  prefix: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseV4(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const first = halves[0] ?? "";
  const second = halves.length === 2 ? (halves[1] ?? "") : "";
  const head = first === "" ? [] : first.split(":");
  const rest = second === "" ? [] : second.split(":");
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const groups = [...head, ...(Array(fill).fill("0") as string[]), ...rest];
  if (groups.length !== 8) return undefined;
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  return out;
}

/** Parses "10.0.0.0/8" or "fd00::/8"; undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash).trim();
  const prefixText = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = addr.includes(":") ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const ip = family === 4 ? parseV4(addr) : parseV6(addr);
  if (ip === undefined) return undefined;
  const hostBits = BigInt(bits - prefix);
  const base = (ip >> hostBits) << hostBits;
  return { family, base, prefix };
}

/** True when every address of `inner` lies in `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const bits = outer.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - outer.prefix);
  return inner.base >> hostBits === outer.base >> hostBits;
}

/** 0.0.0.0/0, ::/0, or any other block with prefix length 0. */
export function isWorld(c: Cidr): boolean {
  return c.prefix === 0;
}
