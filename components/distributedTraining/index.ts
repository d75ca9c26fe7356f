/** DistributedTraining: arguments, validation, specs and the component. */
export * from "./args";
export * from "./distributedTraining";
export * from "./specs";
export * from "./validate";
