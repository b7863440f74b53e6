import { ClusterSpec, PORTS } from "./spec/spec";

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
    };
}
