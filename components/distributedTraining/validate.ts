/** Validation and defaults of DistributedTraining arguments. */
import type { Resolved } from "../lib/resolve";
import { ArgChecker, isDns1035Label } from "../lib/validation";
import { checkQueueArgs, queueSettings } from "../lib/queue";
import { checkWorkloadArgs, withWorkloadDefaults } from "../lib/workload";
import {
  DISTRIBUTED_TRAINING_DEFAULTS,
  DISTRIBUTED_TRAINING_RESERVED_ENV,
  type DistributedTrainingArgs,
  type DistributedTrainingSettings,
  MAX_TRAINING_NAME_LENGTH,
} from "./args";

type ResolvedArgs = Resolved<DistributedTrainingArgs>;

function checkCheckpoints(checker: ArgChecker, args: ResolvedArgs): void {
  checker
    .quantity("checkpointStorage", args.checkpointStorage)
    .dnsSubdomain("checkpointStorageClassName", args.checkpointStorageClassName, "a StorageClass name");
  if (args.checkpointStorage === undefined) {
    checker
      .check(
        args.checkpointStorageClassName === undefined,
        "checkpointStorageClassName",
        args.checkpointStorageClassName,
        "unset unless checkpointStorage is set",
      )
      .check(
        args.checkpointMountPath === undefined,
        "checkpointMountPath",
        args.checkpointMountPath,
        "unset unless checkpointStorage is set",
      );
  }
  if (args.checkpointMountPath !== undefined) {
    const path = args.checkpointMountPath;
    checker.check(
      path.startsWith("/") &&
        path !== "/" &&
        !["/dev", "/dev/shm", "/tmp"].some((scratch) => path === scratch || path.startsWith(`${scratch}/`)),
      "checkpointMountPath",
      path,
      "an absolute path other than /, and outside /dev and /tmp",
    );
  }
}

/** Throws a ValidationError listing every invalid argument. */
export function validateDistributedTrainingArgs(name: string, args: ResolvedArgs): void {
  const checker = new ArgChecker(`DistributedTraining "${name}"`)
    .check(
      // The name is the headless Service's too, and a Service name may not start with a digit.
      name.length <= MAX_TRAINING_NAME_LENGTH && isDns1035Label(name),
      "name",
      name,
      `a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit) of at most ${MAX_TRAINING_NAME_LENGTH} characters`,
    )
    .dnsLabel("namespace", args.namespace)
    .dnsLabel("appName", args.appName);
  checkWorkloadArgs(checker, args, DISTRIBUTED_TRAINING_DEFAULTS, DISTRIBUTED_TRAINING_RESERVED_ENV);
  checkQueueArgs(checker, args);
  checker
    .wholeNumber("workers", args.workers, 1)
    .wholeNumber("masterPort", args.masterPort, 1, 65535)
    .wholeNumber("readyTimeoutSeconds", args.readyTimeoutSeconds, 60)
    .dnsSubdomain("clusterDomain", args.clusterDomain, "a DNS domain such as cluster.local");
  checkCheckpoints(checker, args);
  checker.throwIfInvalid();
}

/** Applies the defaults to validated arguments. */
export function withDistributedTrainingDefaults(
  name: string,
  args: ResolvedArgs,
): DistributedTrainingSettings {
  const defaults = DISTRIBUTED_TRAINING_DEFAULTS;
  return {
    name,
    namespace: args.namespace,
    appName: args.appName ?? name,
    ...withWorkloadDefaults(args, defaults),
    ...queueSettings(args),
    workers: args.workers,
    masterPort: args.masterPort ?? defaults.masterPort,
    ...(args.checkpointStorage === undefined
      ? {}
      : {
          checkpoints: {
            size: args.checkpointStorage,
            ...(args.checkpointStorageClassName === undefined
              ? {}
              : { storageClassName: args.checkpointStorageClassName }),
            mountPath: args.checkpointMountPath ?? defaults.checkpointMountPath,
          },
        }),
    terminationGracePeriodSeconds:
      args.terminationGracePeriodSeconds ?? defaults.terminationGracePeriodSeconds,
    readyTimeoutSeconds: args.readyTimeoutSeconds ?? defaults.readyTimeoutSeconds,
    clusterDomain: args.clusterDomain ?? defaults.clusterDomain,
  };
}
