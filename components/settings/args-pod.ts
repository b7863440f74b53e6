// RedisClusterArgs (args.ts), the pods: their CPU, memory and volume, and where they may run.
import type * as pulumi from "@pulumi/pulumi";

/** CPU and memory, as Kubernetes quantities. */
export interface ComputeArgs {
    /** CPU cores, a Kubernetes quantity such as `"2"` or `"500m"`. */
    cpu?: pulumi.Input<string>;
    /** Memory, a Kubernetes quantity such as `"8Gi"`. */
    memory?: pulumi.Input<string>;
}

export interface ResourcesArgs {
    /** What the scheduler reserves per Redis pod. Default: `{cpu: "100m", memory: "128Mi"}` (profile production: `{cpu: "2", memory: "8Gi"}`). */
    requests?: ComputeArgs;
    /** The most a Redis pod may use; above the memory limit the kernel kills Redis. The CPU limit is optional (empty: none) and warned about: a fork child (AOF rewrite, replica sync, backup pull) shares the pod's CPU quota, throttling stalls Redis, and node-timeout failovers follow (docs/persistence.md). Default: `{cpu: "", memory: "512Mi"}` (profile production: `{cpu: "", memory: "16Gi"}`). */
    limits?: ComputeArgs;
    /** Kubernetes QoS class of the Redis pods: `burstable` (requests below limits) or `guaranteed` (every container's requests equal its limits, so the pod is the last evicted under node memory pressure; needs `limits.cpu`, and requests default to the limits). Default: `"burstable"`. */
    qos?: string;
}

export interface StorageArgs {
    /** Size of each Redis pod's persistent volume when its claim is created; the claim template keeps it, so grow existing volumes by expanding their claims (docs/operations.md, "Growing the volumes"). Default: `"1Gi"`. */
    size?: pulumi.Input<string>;
    /** StorageClass of the volumes; an empty string uses the cluster's default class. Default: `""`. */
    storageClass?: pulumi.Input<string>;
}

export interface SchedulingArgs {
    /** Spread Redis pods over Kubernetes nodes: `required`, `preferred` (pods may share a node, as on a one-node laptop cluster) or `none`. Default: `"preferred"`. */
    hostAntiAffinity?: string;
    /** Spread Redis pods over zones (`topology.kubernetes.io/zone`): `required`, `preferred` or `none`. Default: `"preferred"`. */
    zoneAntiAffinity?: string;
    /** Add topology spread constraints (max skew 1) over nodes and zones, best effort. Default: `true`. */
    topologySpread?: boolean;
    /** Only schedule on nodes with these labels. Default: `{}`. */
    nodeSelector?: Record<string, string>;
    /** Tolerations, as in a pod spec (`key`, `operator`, `value`, `effect`, `tolerationSeconds`). Default: `[]`. */
    tolerations?: TolerationArgs[];
    /** PriorityClass of the Redis pods; empty for none. Default: `""`. */
    priorityClassName?: string;
}

export interface TolerationArgs {
    /** Taint key; empty with operator Exists matches every taint. */
    key?: string;
    /** `Equal` or `Exists`. */
    operator?: string;
    /** Taint value, with operator Equal. */
    value?: string;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches all. */
    effect?: string;
    /** With NoExecute: seconds the pod stays bound after the taint appears. */
    tolerationSeconds?: number;
}

export interface SystemInitArgs {
    /** Run a DaemonSet that turns transparent huge pages off on the nodes Redis may run on. It needs a privileged container, so it runs in a namespace of its own (`<namespace>-node-tuning`, enforcing the privileged Pod Security Standard); the Redis namespace stays restricted. Off unless asked for. Default: `false`. */
    enabled?: boolean;
}
