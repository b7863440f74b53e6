// CPU and memory of the Redis pods' containers. With resources.qos "guaranteed" every container
// (sidecars and init containers included) gets requests equal to its limits, because Kubernetes
// gives a pod the Guaranteed QoS class only then; one Burstable container makes the pod Burstable.
import type { ClusterSpec } from "../settings/spec";

export interface Compute {
    cpu?: string;
    memory: string;
}
export interface Resources {
    requests: Compute;
    limits: Compute;
}

/** `resources` as given, or with requests raised to the limits under Guaranteed QoS. */
export function containerResources(spec: ClusterSpec, resources: Resources): Resources {
    if (spec.settings.resources.qos !== "guaranteed") return resources;
    return { requests: { ...resources.limits }, limits: { ...resources.limits } };
}

/** The Redis container's: from the settings; no CPU limit unless one is set (see the warning on resources.limits.cpu). */
export function redisResources(spec: ClusterSpec): Resources {
    const r = spec.settings.resources;
    return containerResources(spec, {
        requests: { cpu: r.requests.cpu, memory: r.requests.memory },
        limits: { ...(r.limits.cpu !== "" ? { cpu: r.limits.cpu } : {}), memory: r.limits.memory },
    });
}

/** A small helper container's (exporter, restore, node tuning): fixed, Guaranteed when the pod is. */
export const helperResources = (spec: ClusterSpec, requests: Required<Compute>, limits: Required<Compute>): Resources =>
    containerResources(spec, { requests, limits });
