/** BatchInference: arguments, validation, specs and the component. */
export * from "./args";
export * from "./batchInference";
export * from "./specs";
export * from "./validate";
