/** GpuTenancy: arguments, validation, the namespace's objects, NetworkPolicies, RBAC and the component. */
export * from "./args";
export * from "./gpuTenancy";
export * from "./namespace";
export * from "./networkPolicies";
export * from "./rbac";
export * from "./validate";
