import { ClusterSpec, PASSWORD_KEY } from "../spec/spec";
import { KubeObject, meta } from "./object";

/**
 * The password Secret. `password` is whatever the caller holds: a Pulumi secret Output in the
 * component, a redaction marker in render, the real value in local mode.
 */
export function buildAuthSecret<P>(spec: ClusterSpec, password: P): KubeObject & { stringData: Record<string, P> } {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta(spec, spec.names.secret, "auth"),
        type: "Opaque",
        stringData: { [PASSWORD_KEY]: password },
    };
}
