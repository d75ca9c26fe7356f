import type * as k8s from "@pulumi/kubernetes";

/** Volume names of the scratch space every read-only-root GPU container gets. */
export const SCRATCH_VOLUME_NAMES = { sharedMemory: "dshm", tmp: "tmp" } as const;

/**
 * A memory-backed `/dev/shm`: NCCL and PyTorch data loaders need far more than the runtime's
 * 64Mi. Its pages are charged to the container's memory limit.
 */
export function sharedMemoryVolume(sizeLimit: string): k8s.types.input.core.v1.Volume {
  return { name: SCRATCH_VOLUME_NAMES.sharedMemory, emptyDir: { medium: "Memory", sizeLimit } };
}

/** The mount of {@link sharedMemoryVolume}. */
export const SHARED_MEMORY_MOUNT: k8s.types.input.core.v1.VolumeMount = {
  name: SCRATCH_VOLUME_NAMES.sharedMemory,
  mountPath: "/dev/shm",
};

/** A writable scratch emptyDir, e.g. for `/tmp` under a read-only root filesystem. */
export function scratchVolume(name: string, sizeLimit?: string): k8s.types.input.core.v1.Volume {
  return { name, emptyDir: sizeLimit === undefined ? {} : { sizeLimit } };
}

/**
 * The writable scratch space of a container whose root filesystem is read-only: `/dev/shm` in
 * memory and an `/tmp` emptyDir. Returns the pod volumes and the mounts.
 */
export function scratchVolumes(sharedMemorySize: string): {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
} {
  return {
    volumes: [sharedMemoryVolume(sharedMemorySize), scratchVolume(SCRATCH_VOLUME_NAMES.tmp)],
    volumeMounts: [SHARED_MEMORY_MOUNT, { name: SCRATCH_VOLUME_NAMES.tmp, mountPath: "/tmp" }],
  };
}
