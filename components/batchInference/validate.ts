/** Validation and defaults of BatchInference arguments. */
import type { Resolved } from "../lib/resolve";
import { ArgChecker, isDns1123Label } from "../lib/validation";
import { checkQueueArgs, queueSettings } from "../lib/queue";
import { checkWorkloadArgs, withWorkloadDefaults } from "../lib/workload";
import {
  BATCH_INFERENCE_DEFAULTS,
  BATCH_INFERENCE_RESERVED_ENV,
  type BatchInferenceArgs,
  type BatchInferenceSettings,
  MAX_BATCH_NAME_LENGTH,
  MAX_INDEXED_COMPLETIONS,
} from "./args";

const URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;

function checkExitCodes(checker: ArgChecker, property: string, codes: readonly number[] | undefined): void {
  if (codes === undefined) return;
  const invalid = codes.filter((code) => !Number.isInteger(code) || code < 1 || code > 255);
  checker.check(invalid.length === 0, property, invalid, "a list of whole numbers between 1 and 255");
  const duplicates = codes.filter((code, index) => codes.indexOf(code) !== index);
  checker.check(duplicates.length === 0, property, duplicates, "a list without repeats");
}

function checkShards(checker: ArgChecker, args: Resolved<BatchInferenceArgs>): void {
  checker
    .wholeNumber("completions", args.completions, 1, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("parallelism", args.parallelism, 1, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("backoffLimitPerIndex", args.backoffLimitPerIndex, 0)
    .wholeNumber("maxFailedIndexes", args.maxFailedIndexes, 0, MAX_INDEXED_COMPLETIONS)
    .wholeNumber("activeDeadlineSeconds", args.activeDeadlineSeconds, 1)
    .wholeNumber("ttlSecondsAfterFinished", args.ttlSecondsAfterFinished, 0);
  if (Number.isInteger(args.completions) && Number.isInteger(args.parallelism)) {
    checker.check(
      args.parallelism <= args.completions,
      "parallelism",
      args.parallelism,
      `at most completions (${args.completions})`,
    );
  }
  if (args.maxFailedIndexes !== undefined && Number.isInteger(args.completions)) {
    checker.check(
      args.maxFailedIndexes <= args.completions,
      "maxFailedIndexes",
      args.maxFailedIndexes,
      `at most completions (${args.completions})`,
    );
  }
  checkExitCodes(checker, "failJobExitCodes", args.failJobExitCodes);
  checkExitCodes(checker, "failIndexExitCodes", args.failIndexExitCodes);
  const failJob: readonly number[] = args.failJobExitCodes ?? BATCH_INFERENCE_DEFAULTS.failJobExitCodes;
  const both = (args.failIndexExitCodes ?? []).filter((code) => failJob.includes(code));
  checker.check(both.length === 0, "failIndexExitCodes", both, "disjoint from failJobExitCodes");
}

/** Throws a ValidationError listing every invalid argument. */
export function validateBatchInferenceArgs(name: string, args: Resolved<BatchInferenceArgs>): void {
  const checker = new ArgChecker(`BatchInference "${name}"`)
    .check(
      name.length <= MAX_BATCH_NAME_LENGTH && isDns1123Label(name),
      "name",
      name,
      `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most ${MAX_BATCH_NAME_LENGTH} characters, so that pod hostnames <name>-<index> fit in 63`,
    )
    .dnsLabel("namespace", args.namespace)
    .dnsLabel("appName", args.appName);
  checkWorkloadArgs(checker, args, BATCH_INFERENCE_DEFAULTS, BATCH_INFERENCE_RESERVED_ENV);
  checkQueueArgs(checker, args);
  checkShards(checker, args);
  checker
    .check(
      URI.test(args.inputUri),
      "inputUri",
      args.inputUri,
      "a URI with a scheme, such as s3://bucket/prefix",
    )
    .check(
      URI.test(args.outputUri),
      "outputUri",
      args.outputUri,
      "a URI with a scheme, such as s3://bucket/prefix",
    )
    .boolean("awaitCompletion", args.awaitCompletion);
  checker.throwIfInvalid();
}

/** Applies the defaults to validated arguments. */
export function withBatchInferenceDefaults(
  name: string,
  args: Resolved<BatchInferenceArgs>,
): BatchInferenceSettings {
  const defaults = BATCH_INFERENCE_DEFAULTS;
  return {
    name,
    namespace: args.namespace,
    appName: args.appName ?? name,
    ...withWorkloadDefaults(args, defaults),
    ...queueSettings(args),
    completions: args.completions,
    parallelism: args.parallelism,
    inputUri: args.inputUri,
    outputUri: args.outputUri,
    ...(args.terminationGracePeriodSeconds === undefined
      ? {}
      : { terminationGracePeriodSeconds: args.terminationGracePeriodSeconds }),
    backoffLimitPerIndex: args.backoffLimitPerIndex ?? defaults.backoffLimitPerIndex,
    ...(args.maxFailedIndexes === undefined ? {} : { maxFailedIndexes: args.maxFailedIndexes }),
    failJobExitCodes: args.failJobExitCodes ?? [...defaults.failJobExitCodes],
    failIndexExitCodes: args.failIndexExitCodes ?? [...defaults.failIndexExitCodes],
    activeDeadlineSeconds: args.activeDeadlineSeconds ?? defaults.activeDeadlineSeconds,
    ttlSecondsAfterFinished: args.ttlSecondsAfterFinished,
    awaitCompletion: args.awaitCompletion ?? defaults.awaitCompletion,
  };
}
