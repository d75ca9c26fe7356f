/** Autoscaling for serving Deployments: arguments, validation, specs and the component. */
export * from "./args";
export * from "./autoscaling";
export * from "./create";
export * from "./specs";
export * from "./validate";
