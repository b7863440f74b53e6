// Every Kubernetes object of a deployment, built from the spec alone.
import { Credentials, isCredentials, uniformCredentials } from "../auth/rotation";
import type { ClusterSpec } from "../settings/spec";
import { buildMonitoringObjects } from "../monitoring/objects";
import { buildConfigMap, buildScriptsConfigMap } from "./configmaps";
import { buildNamespace } from "./namespace";
import { buildNetworkPolicies } from "./network-policies";
import { buildNodeTuningObjects } from "./node-tuning";
import type { KubeObject } from "./object";
import { buildPodDisruptionBudget } from "./pdb";
import { buildSentinelObjects } from "./sentinel";
import { buildAuthSecret } from "./secret";
import { buildClientService, buildHeadlessService } from "./services";
import { buildStatefulSet } from "./statefulset";
import { buildCertificate } from "./tls";

export { KubeObject } from "./object";
export { buildAuthSecret } from "./secret";
export { buildNamespace } from "./namespace";

/** The objects that hold no secret, in the order they are applied. */
export function buildRedisObjects(spec: ClusterSpec): KubeObject[] {
    const config = buildConfigMap(spec);
    const scripts = buildScriptsConfigMap(spec);
    return [
        // First, so that no pod ever runs before its NetworkPolicies exist.
        ...buildNetworkPolicies(spec),
        // Before the Redis pods, which then start on nodes already tuned (when asked for).
        ...buildNodeTuningObjects(spec),
        config,
        scripts,
        // Before the pods: they mount the Secret cert-manager writes.
        ...buildCertificate(spec),
        buildHeadlessService(spec),
        buildClientService(spec),
        buildStatefulSet(spec),
        buildPodDisruptionBudget(spec),
        ...buildSentinelObjects(spec),
        ...buildMonitoringObjects(spec),
    ];
}

/**
 * Everything, for render and tests: the namespace when created, the Secret, then the rest. A single
 * `password` stands for every user's (for callers not about ACLs).
 */
export function buildAllObjects<P>(spec: ClusterSpec, password: P | Credentials<P>): KubeObject[] {
    return [
        ...(spec.settings.createNamespace ? [buildNamespace(spec)] : []),
        buildAuthSecret(spec, isCredentials(password) ? password : uniformCredentials(password)),
        ...buildRedisObjects(spec),
    ];
}
