import type { ClusterSpec } from "../spec/spec";
import type { KubeObject } from "./object";

/**
 * The namespace, labelled for the Pod Security Standards. The optional system-init container is
 * privileged, so asking for it lowers enforcement to "privileged"; otherwise "restricted".
 */
export function buildNamespace(spec: ClusterSpec): KubeObject {
    const level = spec.settings.systemInit.enabled ? "privileged" : "restricted";
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: spec.names.namespace,
            labels: {
                ...spec.settings.labels,
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/part-of": "llm-analytics-hub",
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
            ...(Object.keys(spec.annotations).length > 0 ? { annotations: { ...spec.annotations } } : {}),
        },
    };
}
