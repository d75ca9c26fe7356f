/** Prometheus scraping for model servers: arguments, validation, specs and the component. */
export * from "./args";
export * from "./create";
export * from "./monitoring";
export * from "./specs";
export * from "./validate";
