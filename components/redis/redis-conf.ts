// redis.conf for the ConfigMap. It holds no secret and nothing that differs between pods: the
// start script adds the password, the pod's address and its announced name at start-up.
import { ClusterSpec, PORTS } from "../spec/spec";

const yesNo = (b: boolean): string => (b ? "yes" : "no");

export function renderRedisConf(spec: ClusterSpec): string {
    const r = spec.settings.redis;
    const cluster = spec.settings.topology === "cluster";
    const save = r.save.length > 0 ? r.save.map((rule) => `${rule.seconds} ${rule.changes}`).join(" ") : '""';
    const lines: [string, string | number][] = [
        ["port", PORTS.redis],
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
        ["appenddirname", "appendonlydir"],
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
            ["cluster-preferred-endpoint-type", "ip"],
        );
    }
    return [
        "# Rendered by @llm-analytics-hub/redis-cluster. Secrets and per-pod settings are added",
        "# by redis-start.sh at start-up.",
        ...lines.map(([k, v]) => `${k} ${v}`),
        "",
    ].join("\n");
}
