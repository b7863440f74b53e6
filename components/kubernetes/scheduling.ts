// Where Redis pods may run: spread over hosts and zones so that one lost node or zone takes at
// most the pods the cluster can lose. (Which pod is master and which replica is decided at
// formation, from the nodes the pods actually landed on.)
import type { ClusterSpec } from "../settings/spec";

const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";

/** `hostAntiAffinity` overrides the setting's (the Sentinels have their own). */
export function podScheduling(spec: ClusterSpec, selector: Record<string, string>, hostAntiAffinity?: string): Record<string, unknown> {
    const s = { ...spec.settings.scheduling, ...(hostAntiAffinity ? { hostAntiAffinity } : {}) };
    const term = (topologyKey: string) => ({ labelSelector: { matchLabels: selector }, topologyKey });
    const required = [
        ...(s.hostAntiAffinity === "required" ? [term(HOST)] : []),
        ...(s.zoneAntiAffinity === "required" ? [term(ZONE)] : []),
    ];
    const preferred = [
        ...(s.hostAntiAffinity === "preferred" ? [{ weight: 100, podAffinityTerm: term(HOST) }] : []),
        ...(s.zoneAntiAffinity === "preferred" ? [{ weight: 50, podAffinityTerm: term(ZONE) }] : []),
    ];
    const antiAffinity = {
        ...(required.length > 0 ? { requiredDuringSchedulingIgnoredDuringExecution: required } : {}),
        ...(preferred.length > 0 ? { preferredDuringSchedulingIgnoredDuringExecution: preferred } : {}),
    };
    const spread = s.topologySpread
        ? [HOST, ZONE].map((topologyKey) => ({
              maxSkew: 1,
              topologyKey,
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
          }))
        : [];
    const tolerations = s.tolerations.map((t) => ({
        ...(t.key ? { key: t.key } : {}),
        operator: t.operator,
        ...(t.operator === "Equal" ? { value: t.value } : {}),
        ...(t.effect ? { effect: t.effect } : {}),
        ...(t.tolerationSeconds >= 0 ? { tolerationSeconds: t.tolerationSeconds } : {}),
    }));
    return {
        ...(Object.keys(antiAffinity).length > 0 ? { affinity: { podAntiAffinity: antiAffinity } } : {}),
        ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
        ...(Object.keys(s.nodeSelector).length > 0 ? { nodeSelector: { ...s.nodeSelector } } : {}),
        ...(tolerations.length > 0 ? { tolerations } : {}),
        ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
    };
}
