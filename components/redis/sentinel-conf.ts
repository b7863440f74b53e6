// sentinel.conf for the Sentinel pods' ConfigMap: what every Sentinel shares. The start script
// adds the pod's address, its identity and the password; the master it monitors is found at run
// time (sentinel-find-master.sh) with the settings the Sentinel container gets as environment.
import { ClusterSpec, PORTS } from "../spec/spec";
import { tlsDirectives } from "../kubernetes/tls";

export function renderSentinelConf(spec: ClusterSpec): string {
    return [
        "# Rendered by @llm-analytics-hub/redis-cluster. Per-pod settings and the password are",
        "# added by sentinel-start.sh; Sentinel rewrites its copy with what it learns.",
        ...tlsDirectives(spec, PORTS.sentinel).map(([k, v]) => `${k} ${v}`),
        "protected-mode no",
        "daemonize no",
        'logfile ""',
        "loglevel notice",
        // Addresses are IPs: pods announce their own (no DNS lookups inside Sentinel, whose
        // failure on a missing name would stop it from starting).
        "sentinel resolve-hostnames no",
        "sentinel announce-hostnames no",
        // Nothing can change the scripts Sentinel runs at runtime.
        "sentinel deny-scripts-reconfig yes",
        "",
    ].join("\n");
}
