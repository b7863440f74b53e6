import { ClusterSpec, PORTS } from "./settings/spec";

/** Addresses clients use, derived from names alone (no cloud lookups). */
export function connectionInfo(spec: ClusterSpec) {
    const ns = spec.names.namespace;
    const podHost = (i: number) => `${spec.names.statefulSet}-${i}.${spec.names.headlessService}.${ns}.svc.cluster.local`;
    const podHosts = Array.from({ length: spec.podCount }, (_, i) => podHost(i));
    return {
        podHosts,
        clientHost: `${spec.names.clientService}.${ns}.svc.cluster.local`,
        clientPort: PORTS.redis,
        seedAddresses: podHosts.map((h) => `${h}:${PORTS.redis}`),
        ...sentinelInfo(spec),
    };
}

/**
 * For Sentinel-aware clients (sentinel topology only; empty otherwise): every Sentinel pod's
 * `host:port` and the name to ask them for the master by.
 */
function sentinelInfo(spec: ClusterSpec) {
    const s = spec.sentinel;
    if (!s) return { sentinelAddresses: [] as string[], masterName: "" };
    const ns = spec.names.namespace;
    return {
        sentinelAddresses: Array.from(
            { length: s.settings.replicas },
            (_, i) => `${s.names.statefulSet}-${i}.${s.names.headlessService}.${ns}.svc.cluster.local:${PORTS.sentinel}`,
        ),
        masterName: s.masterName,
    };
}
