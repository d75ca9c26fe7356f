/** AdmissionPolicies: arguments, validation, specs and the component. */
export * from "./admissionPolicies";
export * from "./args";
export * from "./specs";
export * from "./validate";
