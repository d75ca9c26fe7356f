/** The env var names each workload component injects, so stack config cannot override them. */
import type { ReservedEnvNames } from "./crossChecks";
import { DISTRIBUTED_TRAINING_RESERVED_ENV } from "../components/distributedTraining";

export const RESERVED_ENV_NAMES: ReservedEnvNames = {
  models: [],
  trainingJobs: DISTRIBUTED_TRAINING_RESERVED_ENV,
  batchJobs: [],
};
