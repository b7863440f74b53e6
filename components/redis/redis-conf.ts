// redis.conf for the ConfigMap. It holds no secret and nothing that differs between pods: the
// start script adds the password, the pod's address and its announced name at start-up.
import { ClusterSpec, PORTS } from "../settings/spec";
import { tlsDirectives } from "../kubernetes/tls";

const yesNo = (b: boolean): string => (b ? "yes" : "no");

/** Where the AOF lives under `dir` (the file name is Redis's default); restore writes its base there. */
export const AOF = { dirname: "appendonlydir", filename: "appendonly.aof" } as const;

/**
 * Directives Redis takes with CONFIG SET: a change to one of them is applied to the running nodes
 * by the formation provider and does not restart pods. Keyed by the setting that drives them.
 */
export const LIVE_SETTINGS: Record<string, string[]> = {
    "redis.maxmemory": ["maxmemory"],
    "redis.maxmemoryPolicy": ["maxmemory-policy"],
    "redis.timeoutSeconds": ["timeout"],
    "redis.tcpKeepaliveSeconds": ["tcp-keepalive"],
    "redis.maxclients": ["maxclients"],
    "redis.appendonly": ["appendonly"],
    "redis.appendfsync": ["appendfsync"],
    "redis.autoAofRewritePercentage": ["auto-aof-rewrite-percentage"],
    "redis.autoAofRewriteMinSize": ["auto-aof-rewrite-min-size"],
    "redis.save": ["save"],
    "redis.rdbCompression": ["rdbcompression"],
    "redis.lazyfree": [
        "lazyfree-lazy-eviction",
        "lazyfree-lazy-expire",
        "lazyfree-lazy-server-del",
        "lazyfree-lazy-user-del",
        "replica-lazy-flush",
    ],
    "redis.slowlogLogSlowerThanUs": ["slowlog-log-slower-than"],
    "redis.slowlogMaxLen": ["slowlog-max-len"],
    "redis.replBacklogSize": ["repl-backlog-size"],
    "redis.shutdownTimeoutSeconds": ["shutdown-timeout"],
    "redis.clusterNodeTimeoutMs": ["cluster-node-timeout"],
};
const LIVE = new Set(Object.values(LIVE_SETTINGS).flat());

export function renderRedisConf(spec: ClusterSpec): string {
    return [
        "# Rendered by @llm-analytics-hub/redis-cluster. Secrets and per-pod settings are added",
        "# by redis-start.sh at start-up.",
        ...redisDirectives(spec).map(([k, v]) => `${k} ${v}`),
        "",
    ].join("\n");
}

/** The live-changeable directives with their values as CONFIG SET takes them. */
export function liveDirectives(spec: ClusterSpec): Record<string, string> {
    return Object.fromEntries(
        redisDirectives(spec)
            .filter(([k]) => LIVE.has(k))
            .map(([k, v]) => [k, v === '""' ? "" : String(v)]),
    );
}

/** The directives that only take effect on restart: what the pod template's digest covers. */
export function restartDirectives(spec: ClusterSpec): string {
    return redisDirectives(spec)
        .filter(([k]) => !LIVE.has(k))
        .map(([k, v]) => `${k} ${v}`)
        .join("\n");
}

function redisDirectives(spec: ClusterSpec): [string, string | number][] {
    const r = spec.settings.redis;
    const cluster = spec.settings.topology === "cluster";
    const save = r.save.length > 0 ? r.save.map((rule) => `${rule.seconds} ${rule.changes}`).join(" ") : '""';
    const lines: [string, string | number][] = [
        ...tlsDirectives(spec, PORTS.redis),
        ["protected-mode", "no"],
        ["daemonize", "no"],
        ["logfile", '""'],
        ["loglevel", "notice"],
        ["tcp-backlog", r.tcpBacklog],
        ["timeout", r.timeoutSeconds],
        ["tcp-keepalive", r.tcpKeepaliveSeconds],
        ["maxclients", r.maxclients],
        ["maxmemory", r.maxmemory],
        ["maxmemory-policy", r.maxmemoryPolicy],
        ["io-threads", r.ioThreads],
        ["io-threads-do-reads", yesNo(r.ioThreadsDoReads)],
        ["lazyfree-lazy-eviction", yesNo(r.lazyfree)],
        ["lazyfree-lazy-expire", yesNo(r.lazyfree)],
        ["lazyfree-lazy-server-del", yesNo(r.lazyfree)],
        ["lazyfree-lazy-user-del", yesNo(r.lazyfree)],
        ["replica-lazy-flush", yesNo(r.lazyfree)],
        ["appendonly", yesNo(r.appendonly)],
        ["appenddirname", AOF.dirname],
        ["appendfsync", r.appendfsync],
        ["auto-aof-rewrite-percentage", r.autoAofRewritePercentage],
        ["auto-aof-rewrite-min-size", r.autoAofRewriteMinSize],
        ["aof-use-rdb-preamble", "yes"],
        ["save", save],
        ["dbfilename", "dump.rdb"],
        ["rdbcompression", yesNo(r.rdbCompression)],
        ["rdbchecksum", "yes"],
        ["slowlog-log-slower-than", r.slowlogLogSlowerThanUs],
        ["slowlog-max-len", r.slowlogMaxLen],
        ["repl-backlog-size", r.replBacklogSize],
        // Backups pull RDBs with `redis-cli --rdb`; the stock 5 s delay would stall each one.
        ["repl-diskless-sync", "yes"],
        ["repl-diskless-sync-delay", 0],
        ["shutdown-timeout", r.shutdownTimeoutSeconds],
    ];
    if (cluster) {
        lines.push(
            ["cluster-enabled", "yes"],
            // Relative to `dir`, which the start script sets to the data volume.
            ["cluster-config-file", "nodes.conf"],
            ["cluster-node-timeout", r.clusterNodeTimeoutMs],
            ["cluster-require-full-coverage", "yes"],
            ["cluster-allow-reads-when-down", "no"],
            ["cluster-migration-barrier", 1],
            // Over TLS, clients must reach nodes by names the certificate covers (it names the pods,
            // never their IPs), so CLUSTER SLOTS/SHARDS and MOVED/ASK name each node by the
            // hostname it announces (cluster-announce-hostname, set by redis-start.sh). Without
            // TLS, IPs let clients outside the cluster DNS follow redirects.
            ["cluster-preferred-endpoint-type", spec.tls ? "hostname" : "ip"],
        );
    }
    return lines;
}
