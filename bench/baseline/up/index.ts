// The `up` benchmark's plain baseline as a Pulumi program: it registers the recording that
// bench/up/baselineSide.ts wrote from the program's state (the file named by
// K8S_ML_BENCH_BASELINE_RECORDING) with registerPlain, one @pulumi/kubernetes resource per
// object, each depending on what it depended on in the program. Deployed with the same CLI,
// provider, cluster and policy pack as the program, its `pulumi up` is what any Pulumi program
// of these objects costs; the program's time above it is what the components add.

import * as fs from "node:fs";
import type { RecordedResource } from "../../lib/mocks";
import { registerPlain } from "../plainProgram";

const file = process.env.K8S_ML_BENCH_BASELINE_RECORDING;
if (file === undefined || file === "") throw new Error("K8S_ML_BENCH_BASELINE_RECORDING is not set");
const recording = JSON.parse(fs.readFileSync(file, "utf8")) as RecordedResource[];
const plain = registerPlain(recording);
if (plain.skippedDependencies > 0)
  throw new Error(`${plain.skippedDependencies} recorded dependencies name no registered object`);

export const objects = plain.resources.length;
