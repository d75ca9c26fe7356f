// Measuring one section of a child process: wall time, CPU time (user + system, so that other
// load on the machine inflates it less), and memory growth (peak RSS and heap).

import { performance } from "node:perf_hooks";

export interface Sample {
  wallMs: number;
  cpuMs: number;
  /** Peak resident set size during the section minus the RSS when it started, bytes (>= 0). */
  peakRssBytes: number;
  /** Heap in use right after the section (garbage included) minus before, bytes. */
  heapAfterBytes: number;
  /** Heap still in use after a full GC minus before, bytes (needs --expose-gc, else -1). */
  heapRetainedBytes: number;
  /** 1-minute load average when the section started. */
  load1m: number;
  /** Wall and CPU time until the section called `mark` (its synchronous part), when it did. */
  markWallMs?: number;
  markCpuMs?: number;
}

export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  return true;
}

/**
 * Times `section` (sync or async); a full GC runs before it when node has --expose-gc. The
 * section may call `mark()` once to split off its first part (e.g. the synchronous one).
 */
export async function measure(section: (mark: () => void) => unknown, load1m: () => number): Promise<Sample> {
  collectGarbage();
  const before = process.memoryUsage();
  const load = load1m();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let marked: { wallMs: number; cpuMs: number } | undefined;
  const mark = (): void => {
    const c = process.cpuUsage(c0);
    marked = { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
  await section(mark);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const heapAfter = process.memoryUsage().heapUsed;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const retained = collectGarbage() ? process.memoryUsage().heapUsed - before.heapUsed : -1;
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: Math.max(0, peakRss - before.rss),
    heapAfterBytes: heapAfter - before.heapUsed,
    heapRetainedBytes: retained,
    load1m: load,
    ...(marked === undefined ? {} : { markWallMs: marked.wallMs, markCpuMs: marked.cpuMs }),
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
