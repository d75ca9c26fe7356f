import { ServingPorts } from "../../conventions/labels";

/**
 * Conventions a model server's pod shares with the components around it (autoscaling,
 * monitoring, the tenancy NetworkPolicy and the policy pack). Change them in one place only.
 */

/** Name of the model server container; the autoscaler measures CPU on this container. */
export const MODEL_SERVER_CONTAINER = "model-server";

/** Name of the container that downloads the model into the shared `/models` volume. */
export const MODEL_LOADER_CONTAINER = "model-loader";

/** Container and Service port names (the policy pack and NetworkPolicies select on these). */
export const HTTP_PORT_NAME = ServingPorts.http;
export const METRICS_PORT_NAME = ServingPorts.metrics;

export const DEFAULT_HTTP_PORT = 8000;
export const DEFAULT_METRICS_PORT = 9090;

/** Where the model volume is mounted in both the loader and the server. */
export const MODELS_MOUNT_PATH = "/models";

/** File the loader writes into the model directory once the model is complete. */
export const MODEL_READY_FILE_NAME = ".model-ready";

/** Counter of served requests every model server exports on its metrics port. */
export const REQUESTS_TOTAL_METRIC = "inference_requests_total";

/**
 * Per-pod request rate the HPA reads through the custom metrics API (prometheus-adapter
 * derives it from {@link REQUESTS_TOTAL_METRIC}).
 */
export const REQUESTS_PER_SECOND_METRIC = "inference_requests_per_second";
