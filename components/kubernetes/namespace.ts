import type { ClusterSpec } from "../settings/spec";
import type { KubeObject } from "./object";

/**
 * The namespace, enforcing the "restricted" Pod Security Standard always: the one privileged
 * thing this package makes, the optional node tuning, runs in a namespace of its own.
 */
export function buildNamespace(spec: ClusterSpec): KubeObject {
    const level = "restricted";
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
