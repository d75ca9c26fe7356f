/** The `mlworkflows.ai.example.com` CustomResourceDefinition: structural schema, CEL rules, status, columns. */
import type * as k8s from "@pulumi/kubernetes";
import { ComponentRoles } from "../../conventions/labels";
import { standardLabels } from "../lib/labels";
import {
  MLWORKFLOW_CEL_RULES,
  MLWORKFLOW_CRD_NAME,
  MLWORKFLOW_GROUP,
  MLWORKFLOW_KIND,
  MLWORKFLOW_LIMITS,
  MLWORKFLOW_PHASES,
  MLWORKFLOW_PLURAL,
  MLWORKFLOW_SINGULAR,
  MLWORKFLOW_VERSION,
  SCHEME_PREFIXES,
} from "./limits";

type JSONSchemaProps = k8s.types.input.apiextensions.v1.JSONSchemaProps;

/** metav1.Condition, as `kubectl explain` and condition helpers expect it. */
function conditionSchema(): JSONSchemaProps {
  return {
    type: "object",
    required: ["type", "status", "lastTransitionTime", "reason", "message"],
    properties: {
      type: {
        type: "string",
        maxLength: 316,
        pattern:
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      observedGeneration: { type: "integer", format: "int64", minimum: 0 },
      lastTransitionTime: { type: "string", format: "date-time" },
      reason: {
        type: "string",
        minLength: 1,
        maxLength: 1024,
        pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      },
      message: { type: "string", maxLength: 32768 },
    },
  };
}

/** The structural OpenAPI v3 schema of MLWorkflow v1. */
export function mlWorkflowSchema(): JSONSchemaProps {
  const limits = MLWORKFLOW_LIMITS;
  return {
    type: "object",
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: {
        type: "object",
        description: "The model to train, on what data, with which hyperparameters and how many GPUs.",
        required: ["modelName", "trainingData", "hyperparameters"],
        properties: {
          modelName: {
            type: "string",
            description: "Name of the model to train (a DNS-1123 label); immutable.",
            minLength: 1,
            maxLength: limits.modelName.maxLength,
            pattern: limits.modelName.pattern,
            x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.modelNameImmutable],
          },
          trainingData: {
            type: "string",
            description: `Location of the training data: ${SCHEME_PREFIXES.join(", ")}.`,
            minLength: 1,
            maxLength: limits.trainingData.maxLength,
            x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.trainingDataScheme],
          },
          hyperparameters: {
            type: "object",
            required: ["learningRate", "batchSize", "epochs"],
            properties: {
              learningRate: {
                type: "number",
                minimum: limits.learningRate.exclusiveMinimum,
                exclusiveMinimum: true,
                maximum: limits.learningRate.maximum,
              },
              batchSize: {
                type: "integer",
                description: "Global batch size, split evenly across the GPUs.",
                minimum: limits.batchSize.minimum,
                maximum: limits.batchSize.maximum,
              },
              epochs: { type: "integer", minimum: limits.epochs.minimum, maximum: limits.epochs.maximum },
              extra: {
                type: "object",
                description: "Further hyperparameters for the training code, as strings.",
                maxProperties: limits.extra.maxProperties,
                additionalProperties: { type: "string", maxLength: limits.extra.maxValueLength },
              },
            },
          },
          gpus: {
            type: "integer",
            description: "GPUs for the training run; 0 trains on CPU.",
            minimum: limits.gpus.minimum,
            maximum: limits.gpus.maximum,
            default: 0,
          },
        },
        x_kubernetes_validations: [MLWORKFLOW_CEL_RULES.batchSizeDivisibleByGpus],
      },
      status: {
        type: "object",
        properties: {
          phase: { type: "string", enum: [...MLWORKFLOW_PHASES] },
          observedGeneration: { type: "integer", format: "int64", minimum: 0 },
          conditions: {
            type: "array",
            maxItems: 32,
            items: conditionSchema(),
            x_kubernetes_list_type: "map",
            x_kubernetes_list_map_keys: ["type"],
          },
        },
      },
    },
  };
}

/** `kubectl get mlworkflows` columns. */
export function mlWorkflowPrinterColumns(): k8s.types.input.apiextensions.v1.CustomResourceColumnDefinition[] {
  return [
    { name: "Model", type: "string", jsonPath: ".spec.modelName" },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "GPUs", type: "integer", jsonPath: ".spec.gpus" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
}

/** The CustomResourceDefinition; `instance` is the owning component's name (for labels). */
export function mlWorkflowCrd(instance: string): {
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec;
} {
  return {
    metadata: {
      name: MLWORKFLOW_CRD_NAME,
      labels: standardLabels(MLWORKFLOW_SINGULAR, instance, ComponentRoles.workflow),
    },
    spec: {
      group: MLWORKFLOW_GROUP,
      scope: "Namespaced",
      names: {
        kind: MLWORKFLOW_KIND,
        listKind: `${MLWORKFLOW_KIND}List`,
        plural: MLWORKFLOW_PLURAL,
        singular: MLWORKFLOW_SINGULAR,
        shortNames: ["mlwf"],
        categories: ["ml"],
      },
      versions: [
        {
          name: MLWORKFLOW_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: mlWorkflowSchema() },
          // Controllers write status through its own endpoint; users cannot set it with the spec.
          subresources: { status: {} },
          additionalPrinterColumns: mlWorkflowPrinterColumns(),
        },
      ],
    },
  };
}
