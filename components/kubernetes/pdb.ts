import type { ClusterSpec } from "../settings/spec";
import { KubeObject, meta } from "./object";

/** Voluntary disruptions (drains, upgrades) take at most one Redis pod at a time. */
export function buildPodDisruptionBudget(spec: ClusterSpec): KubeObject {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta(spec, spec.names.pdb, "redis"),
        spec: {
            maxUnavailable: 1,
            selector: { matchLabels: spec.selectorLabels },
        },
    };
}
