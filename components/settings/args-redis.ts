// RedisClusterArgs (args.ts), the servers: redis.conf settings and the Sentinels.

/** One RDB save rule: snapshot when at least `changes` keys changed within `seconds`. */
export interface SaveRuleArgs {
    /** Window in seconds. */
    seconds: number;
    /** Changed keys within the window that trigger a snapshot. */
    changes: number;
}

/** redis.conf settings. */
export interface RedisConfigArgs {
    /** Memory Redis may use for data (redis.conf size units: `"6gb"`, `"512mb"`). Must leave room below the memory limit for fork copy-on-write and buffers. Default: `"128mb"`. */
    maxmemory?: string;
    /** What Redis evicts when it reaches maxmemory. Default: `"allkeys-lru"`. */
    maxmemoryPolicy?: string;
    /** I/O threads per Redis process (1 disables threaded I/O). Default: `1`. */
    ioThreads?: number;
    /** Also use the I/O threads for reads. Default: `true`. */
    ioThreadsDoReads?: boolean;
    /** Append-only file persistence. Default: `true`. */
    appendonly?: boolean;
    /** AOF fsync policy: `always`, `everysec` or `no`. Default: `"everysec"`. */
    appendfsync?: string;
    /** Rewrite the AOF when it grew by this percentage since the last rewrite. Default: `100`. */
    autoAofRewritePercentage?: number;
    /** Do not rewrite the AOF while it is smaller than this. Default: `"64mb"`. */
    autoAofRewriteMinSize?: string;
    /** RDB snapshot rules; an empty list (`save ""`) disables RDB snapshots and the RDB save at shutdown, except the RDB a replica writes (uncompressed) at a planned stop to restart from with a partial resync, removed once loaded (docs/operations.md). With the AOF on they only cost forks: backups pull RDBs from replicas, restore loads the AOF (docs/persistence.md). Default: `[]`. */
    save?: SaveRuleArgs[];
    /** Compress RDB files and the AOF's RDB preamble (LZF). Turn it off for values that do not compress (already compressed or encrypted data): LZF then only costs CPU in every RDB written: full syncs, backups and the AOF rewrite after a replica's restart (the RDB a replica writes at a planned stop is uncompressed either way without save rules); at 1 GB of such values a rolling update took 28.7 s with it off against 58.0 s on (docs/performance.md). Default: `true`. */
    rdbCompression?: boolean;
    /** Free memory in a background thread on eviction, expiry, DEL and replica flush. Default: `true`. */
    lazyfree?: boolean;
    /** Listen backlog of the client port. The kernel caps it at the pod network namespace's `net.core.somaxconn` (4096 since Linux 5.4), which a restricted pod cannot raise, so a higher value is capped there, with a warning. Default: `4096`. */
    tcpBacklog?: number;
    /** Milliseconds a node may be unreachable before the cluster fails it over. Default: `5000`. */
    clusterNodeTimeoutMs?: number;
    /** Most client connections per node. Default: `10000`. */
    maxclients?: number;
    /** Close idle client connections after this many seconds (0 never). Default: `0`. */
    timeoutSeconds?: number;
    /** TCP keepalive interval in seconds. Default: `300`. */
    tcpKeepaliveSeconds?: number;
    /** Log commands slower than this many microseconds to the slow log. Default: `10000`. */
    slowlogLogSlowerThanUs?: number;
    /** Entries kept in the slow log. Default: `128`. */
    slowlogMaxLen?: number;
    /** Replication backlog, so a replica that briefly loses its link resyncs partially. The engine counts it against `maxmemory`, so it may take at most a quarter of it. Empty: an eighth of `maxmemory`, at most 256mb. Default: `""`. */
    replBacklogSize?: string;
    /** Seconds a stopping master waits for its replicas to catch up before it exits. Default: `10`. */
    shutdownTimeoutSeconds?: number;
}

export interface SentinelArgs {
    /** Sentinel processes, at least 3 (a StatefulSet of its own, spread like the Redis pods). Default: `3`. */
    replicas?: number;
    /** Sentinels that must agree a master is down; more than half of `replicas`, so two partitions never both fail over. Default: `2`. */
    quorum?: number;
    /** Milliseconds without an answer before a Sentinel considers the master down. Default: `5000`. */
    downAfterMs?: number;
    /** Milliseconds before a failover is retried (and the bound of each of its steps); at least twice `downAfterMs`. Default: `60000`. */
    failoverTimeoutMs?: number;
    /** Spread the Sentinels over Kubernetes nodes: `required` (two Sentinels on one node lose the quorum with that node), or `preferred` for clusters with fewer nodes than Sentinels (a laptop; warned about). Independent of `scheduling.hostAntiAffinity`. Default: `"preferred"`. */
    hostAntiAffinity?: string;
}
