/**
 * The MLWorkflow API: group, kind and names, and every limit of its spec in one table
 * (MLWORKFLOW_LIMITS), from which the CRD's schema and CEL rules and the client-side checks are
 * all built, so a bad workflow fails `pulumi preview` with the same words the API server uses.
 */

export const MLWORKFLOW_GROUP = "ai.example.com";
export const MLWORKFLOW_VERSION = "v1";
export const MLWORKFLOW_API_VERSION = `${MLWORKFLOW_GROUP}/${MLWORKFLOW_VERSION}`;
export const MLWORKFLOW_KIND = "MLWorkflow";
export const MLWORKFLOW_PLURAL = "mlworkflows";
export const MLWORKFLOW_SINGULAR = "mlworkflow";
export const MLWORKFLOW_CRD_NAME = `${MLWORKFLOW_PLURAL}.${MLWORKFLOW_GROUP}`;

/** The phases a workflow controller reports in `.status.phase`. */
export const MLWORKFLOW_PHASES: readonly string[] = ["Pending", "Running", "Succeeded", "Failed"];

/** Every limit of an MLWorkflow spec, shared by the CRD schema and the client-side checks. */
export const MLWORKFLOW_LIMITS = {
  modelName: { pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
  trainingData: { schemes: ["s3", "gs", "pvc", "https"], maxLength: 2048 },
  learningRate: { exclusiveMinimum: 0, maximum: 1 },
  batchSize: { minimum: 1, maximum: 1_048_576 },
  epochs: { minimum: 1, maximum: 100_000 },
  gpus: { minimum: 0, maximum: 1024 },
  extra: { maxProperties: 32, maxValueLength: 1024 },
} as const;

export const SCHEME_PREFIXES = MLWORKFLOW_LIMITS.trainingData.schemes.map((scheme) => `${scheme}://`);

/** What the messages say is allowed; the CRD's CEL messages use the same words. */
export const ALLOWED = {
  modelName: `a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) of at most ${MLWORKFLOW_LIMITS.modelName.maxLength} characters`,
  trainingData: `a URI starting with ${SCHEME_PREFIXES.join(", ")} followed by a location, without spaces, of at most ${MLWORKFLOW_LIMITS.trainingData.maxLength} characters`,
  learningRate: `a number greater than ${MLWORKFLOW_LIMITS.learningRate.exclusiveMinimum} and at most ${MLWORKFLOW_LIMITS.learningRate.maximum}`,
  divisible: "divisible by gpus, so that every GPU gets an equal share of a batch",
} as const;

/** The CEL rules of the CRD (x-kubernetes-validations), by what they enforce. */
export const MLWORKFLOW_CEL_RULES = {
  /** On spec: a data-parallel run splits each batch evenly across the GPUs. */
  batchSizeDivisibleByGpus: {
    rule: "!has(self.gpus) || self.gpus == 0 || self.hyperparameters.batchSize % self.gpus == 0",
    message: `hyperparameters.batchSize must be ${ALLOWED.divisible}`,
    fieldPath: ".hyperparameters.batchSize",
    reason: "FieldValueInvalid",
  },
  /** On spec.modelName: a transition rule, checked on update only. */
  modelNameImmutable: {
    rule: "self == oldSelf",
    message: "modelName is immutable; create a new MLWorkflow to train another model",
  },
  /** On spec.trainingData. */
  trainingDataScheme: {
    rule: `[${SCHEME_PREFIXES.map((p) => `'${p}'`).join(", ")}].exists(p, self.startsWith(p) && size(self) > size(p)) && !self.contains(' ')`,
    message: `trainingData must be ${ALLOWED.trainingData}`,
  },
} as const;
