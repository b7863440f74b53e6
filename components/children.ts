// The component's main children, handed out typed the way pulumi-eks hands out its cluster's
// parts, so a program can read their outputs or depend on them (`dependsOn: [cache.statefulSet]`).
// TypeScript only: why, in components/redis-cluster.ts and docs/multi-language.md.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "./kubernetes";
import type { ClusterSpec } from "./settings/spec";

export interface RedisChildren {
    secret: k8s.core.v1.Secret;
    statefulSet: k8s.apps.v1.StatefulSet;
    clientService: k8s.core.v1.Service;
    headlessService: k8s.core.v1.Service;
    sentinelStatefulSet?: k8s.apps.v1.StatefulSet;
    sentinelService?: k8s.core.v1.Service;
}

/**
 * Picks the children out of the resources made from `objects` (created[i] from objects[i]), by the
 * names the spec gives them.
 */
export function redisChildren(spec: ClusterSpec, objects: KubeObject[], created: pulumi.CustomResource[]): Omit<RedisChildren, "secret"> {
    const find = <T>(kind: string, name: string): T => {
        const i = objects.findIndex((o) => o.kind === kind && o.metadata.name === name);
        if (i < 0 || !created[i]) throw new Error(`RedisCluster: no ${kind} ${name} among the created objects`);
        return created[i] as unknown as T;
    };
    const s = spec.sentinel;
    return {
        statefulSet: find("StatefulSet", spec.names.statefulSet),
        clientService: find("Service", spec.names.clientService),
        headlessService: find("Service", spec.names.headlessService),
        ...(s ? { sentinelStatefulSet: find("StatefulSet", s.names.statefulSet), sentinelService: find("Service", s.names.service) } : {}),
    };
}
