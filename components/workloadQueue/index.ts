/** WorkloadQueue: arguments, validation, specs and the component. */
export * from "./args";
export * from "./specs";
export * from "./validate";
export * from "./workloadQueue";
