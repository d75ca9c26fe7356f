// The API server's and etcd's CPU time and memory during a `pulumi up`, read from /proc of the
// pids scripts/cluster.sh records, and the size of etcd's database.

import * as fs from "node:fs";
import * as path from "node:path";
import { round } from "./rounding";
import { CLUSTER_DIR } from "./settings";

interface ProcSample {
  readonly cpuTicks: number;
  readonly rssKiB: number;
}

/** USER_HZ on Linux; upBench.ts checks it against `getconf CLK_TCK` before measuring. */
export const CLOCK_TICKS = 100;

function sampleProc(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3, utime field 14, stime field 15 (1-based).
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { cpuTicks, rssKiB: Number(rss?.[1] ?? 0) };
}

function pidOf(component: string): number {
  const pid = Number(fs.readFileSync(path.join(CLUSTER_DIR, "pids", `${component}.pid`), "utf8").trim());
  if (!Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}`))
    throw new Error(`${component} is not running`);
  return pid;
}

export interface ProcessUse {
  /** CPU seconds (user + system) the process used during the run. */
  readonly cpuSeconds: number;
  /** Resident memory at the end of the run, MiB. */
  readonly rssMiB: number;
  /** Highest resident memory seen while the run went on (sampled every 250 ms), MiB. */
  readonly peakRssMiB: number;
}

export interface ControlPlaneUse {
  readonly apiserver: ProcessUse;
  readonly etcd: ProcessUse;
}

/** CPU time and memory of the API server and etcd over a run. */
export class Sampler {
  private readonly pids = { apiserver: pidOf("kube-apiserver"), etcd: pidOf("etcd") };
  private first = { apiserver: sampleProc(this.pids.apiserver), etcd: sampleProc(this.pids.etcd) };
  private peak = { apiserver: 0, etcd: 0 };
  private timer: NodeJS.Timeout | undefined;

  /** Takes the first sample and starts following the peak memory. */
  begin(): void {
    this.first = { apiserver: sampleProc(this.pids.apiserver), etcd: sampleProc(this.pids.etcd) };
    this.peak = { apiserver: this.first.apiserver.rssKiB, etcd: this.first.etcd.rssKiB };
    this.timer = setInterval(() => {
      this.peak.apiserver = Math.max(this.peak.apiserver, sampleProc(this.pids.apiserver).rssKiB);
      this.peak.etcd = Math.max(this.peak.etcd, sampleProc(this.pids.etcd).rssKiB);
    }, 250);
  }

  /** Stops following and returns what each process used since `begin`. */
  end(): ControlPlaneUse {
    clearInterval(this.timer);
    const use = (first: ProcSample, last: ProcSample, peak: number): ProcessUse => ({
      cpuSeconds: round((last.cpuTicks - first.cpuTicks) / CLOCK_TICKS, 2),
      rssMiB: round(last.rssKiB / 1024, 1),
      peakRssMiB: round(Math.max(peak, last.rssKiB) / 1024, 1),
    });
    return {
      apiserver: use(this.first.apiserver, sampleProc(this.pids.apiserver), this.peak.apiserver),
      etcd: use(this.first.etcd, sampleProc(this.pids.etcd), this.peak.etcd),
    };
  }
}

/** The size of etcd's database file, bytes: how much the stack's objects take in the store. */
export function etcdDbBytes(): number {
  return fs.statSync(path.join(CLUSTER_DIR, "etcd/member/snap/db")).size;
}
