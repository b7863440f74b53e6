// sentinel.conf for the Sentinel pods' ConfigMap: what every Sentinel shares. The start script
// adds the pod's address, its identity and the password; the master it monitors is found at run
// time (sentinel-find-master.sh) with the settings the Sentinel container gets as environment.
import { ClusterSpec, PORTS } from "../settings/spec";
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
        // Instances are tracked by their stable DNS names under the headless Services, never by
        // IP: a pod recreated on a new address is the same instance, and Sentinel resolves the
        // name again whenever its link is down (Redis 7.0+). With IPs, every Redis pod recreated
        // at once (a zone outage, `kubectl delete pod --all`) left the Sentinels naming a dead
        // master forever. Redis pods announce their name (replica-announce-ip), Sentinels theirs
        // (announce-ip), and Sentinels hand names to clients and in REPLICAOF.
        "sentinel resolve-hostnames yes",
        "sentinel announce-hostnames yes",
        // Nothing can change the scripts Sentinel runs at runtime.
        "sentinel deny-scripts-reconfig yes",
        "",
    ].join("\n");
}
