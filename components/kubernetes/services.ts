import { ClusterSpec, PORTS } from "../settings/spec";
import { KubeObject, meta } from "./object";

/**
 * A pod's stable DNS name under its StatefulSet's headless Service; it follows the pod to a new
 * address. `pod` and `namespace` may be the kubelet's `$(POD_NAME)` and `$(POD_NAMESPACE)`.
 */
export const podDnsName = (pod: string, headlessService: string, namespace: string) =>
    `${pod}.${headlessService}.${namespace}.svc.cluster.local`;

/**
 * Stable DNS for each pod (`<pod>.<headless>.<namespace>.svc`). It publishes pods that are not
 * ready yet: before the cluster forms no node is healthy, and nodes must still find each other.
 */
export function buildHeadlessService(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(spec, spec.names.headlessService, "redis"),
        spec: {
            clusterIP: "None",
            publishNotReadyAddresses: true,
            selector: spec.selectorLabels,
            ports: [
                { name: "redis", port: PORTS.redis, targetPort: "redis", protocol: "TCP" },
                ...(spec.settings.topology === "cluster" ? [{ name: "bus", port: PORTS.bus, targetPort: "bus", protocol: "TCP" }] : []),
            ],
        },
    };
}

/** The address clients start from (cluster clients then follow the slot map to each node). */
export function buildClientService(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(spec, spec.names.clientService, "redis"),
        spec: {
            type: "ClusterIP",
            selector: spec.selectorLabels,
            ports: [
                { name: "redis", port: PORTS.redis, targetPort: "redis", protocol: "TCP" },
                { name: "metrics", port: PORTS.exporter, targetPort: "metrics", protocol: "TCP" },
            ],
        },
    };
}
