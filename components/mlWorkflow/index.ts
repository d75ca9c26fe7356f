/** MLWorkflow: the API's limits, the CRD, the component that installs it and the typed resource. */
export * from "./crd";
export * from "./definition";
export * from "./limits";
export * from "./workflow";
