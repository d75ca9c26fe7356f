import type * as k8s from "@pulumi/kubernetes";

/** Volume names of the scratch space every read-only-root GPU container gets. */
export const SCRATCH_VOLUME_NAMES = { sharedMemory: "dshm", tmp: "tmp" } as const;

/**
 * The writable scratch space of a container whose root filesystem is read-only: a memory-backed
 * `/dev/shm` (NCCL and PyTorch data loaders need far more than the runtime's 64Mi; it counts
 * against the memory limit) and an `/tmp` emptyDir. Returns the pod volumes and the mounts.
 */
export function scratchVolumes(sharedMemorySize: string): {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
} {
  return {
    volumes: [
      {
        name: SCRATCH_VOLUME_NAMES.sharedMemory,
        emptyDir: { medium: "Memory", sizeLimit: sharedMemorySize },
      },
      { name: SCRATCH_VOLUME_NAMES.tmp, emptyDir: {} },
    ],
    volumeMounts: [
      { name: SCRATCH_VOLUME_NAMES.sharedMemory, mountPath: "/dev/shm" },
      { name: SCRATCH_VOLUME_NAMES.tmp, mountPath: "/tmp" },
    ],
  };
}
