// The plain-object form every builder returns: what `kubectl apply` would take. Builders are pure;
// the component turns these into Pulumi resources, render prints them, local mode runs them.

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
    [field: string]: unknown;
}

import type { ClusterSpec } from "../settings/spec";

/** Metadata for a namespaced object of the deployment. */
export function meta(spec: ClusterSpec, name: string, component: string, extraLabels: Record<string, string> = {}): ObjectMeta {
    const annotations = spec.annotations;
    return {
        name,
        namespace: spec.names.namespace,
        labels: { ...spec.commonLabels, "app.kubernetes.io/component": component, ...extraLabels },
        ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    };
}
