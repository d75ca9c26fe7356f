// The report's verdicts: each target against the figure it is judged on (CPU time).

import type { Report, Verdict } from "./reportTypes";
import { TARGETS } from "./targets";

/** One verdict per program size, the growth and every real-preview case; null where not measured. */
export function verdicts(report: Omit<Report, "verdicts">): Verdict[] {
  const out: Verdict[] = [];
  for (const s of report.program) {
    out.push({
      target: `program/baseline, ${s.models} model${s.models === 1 ? "" : "s"}: <= ${TARGETS.programRatio} (CPU)`,
      value: `${s.ratio.cpu} (wall ${s.ratio.wall})`,
      met: s.ratio.cpu <= TARGETS.programRatio,
    });
  }
  out.push({
    target: `program time(1000)/time(100): <= ${TARGETS.growth1000over100} (CPU)`,
    value:
      report.growth === undefined
        ? "not measured"
        : `${report.growth.program.cpu} (wall ${report.growth.program.wall})`,
    met: report.growth === undefined ? null : report.growth.program.cpu <= TARGETS.growth1000over100,
  });
  for (const c of report.preview.cases) {
    out.push({
      target: `policy pack overhead, pulumi preview of ${c.name}: <= ${TARGETS.packOverhead} (CPU)`,
      value:
        c.packOverhead === undefined ? "not measured" : `${c.packOverhead.cpu} (wall ${c.packOverhead.wall})`,
      met: c.packOverhead === undefined ? null : c.packOverhead.cpu <= TARGETS.packOverhead,
    });
  }
  return out;
}
