/** ModelServing: arguments, validation, the pod and object specs, attachments and the component. */
export * from "./args";
export * from "./attachments";
export * from "./loader";
export * from "./modelServing";
export * from "./objects";
export * from "./pod";
export * from "./presets";
export * from "./settings";
export * from "./validate";
