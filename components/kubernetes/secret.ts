import { Credentials, secretData } from "../auth/rotation";
import type { ClusterSpec } from "../settings/spec";
import { KubeObject, meta } from "./object";

/**
 * The passwords Secret: `<user>-password` per ACL user, plus `<user>-password-previous` while a
 * rotation keeps the old ones accepted. The values are whatever the caller holds: Pulumi secret
 * Outputs in the component, a redaction marker in render, real values in local mode.
 */
export function buildAuthSecret<P>(spec: ClusterSpec, credentials: Credentials<P>): KubeObject & { stringData: Record<string, P> } {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta(spec, spec.names.secret, "auth"),
        type: "Opaque",
        stringData: secretData(credentials),
    };
}
