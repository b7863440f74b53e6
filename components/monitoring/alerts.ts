// The alert rules, as plain data (what a PrometheusRule's spec.groups holds). Every alert has a
// `for`, a severity, a summary and a description that carry the values, and a runbook link.
// Expressions are scoped to this deployment's namespace, where Prometheus puts the target's.
import type { ClusterSpec } from "../settings/spec";
import { BackupJob, stalenessMinutes } from "../backup/schedule";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "critical" | "warning" | "info" };
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export const SEVERITIES = ["critical", "warning", "info"] as const;

/** The anchor of an alert's section in docs/runbooks.md. */
export const runbookAnchor = (alert: string): string => alert.toLowerCase();

export function buildAlertRules(spec: ClusterSpec): RuleGroup[] {
    const m = spec.settings.monitoring.prometheusRule;
    const t = m.thresholds;
    const sel = `namespace="${spec.names.namespace}"`;
    const rule = (
        alert: string,
        severity: AlertRule["labels"]["severity"],
        expr: string,
        summary: string,
        description: string,
    ): AlertRule => ({
        alert,
        expr,
        for: m.forDurations[severity],
        labels: { severity },
        annotations: { summary, description, runbook_url: `${m.runbookBaseUrl}#${runbookAnchor(alert)}` },
    });
    // Topology-specific: a Redis Cluster's slot health, or whether the Sentinels can fail over.
    const clusterRules = [
        rule(
            "RedisClusterStateNotOk",
            "critical",
            `redis_cluster_state{${sel}} == 0`,
            "Redis Cluster state is not ok on {{ $labels.instance }}",
            "{{ $labels.instance }} reports cluster_state:fail: some slots have no reachable master, and the cluster refuses commands for them.",
        ),
        rule(
            "RedisClusterSlotsNotOk",
            "critical",
            `redis_cluster_slots_ok{${sel}} < 16384`,
            "Only {{ $value }} of 16384 slots are ok on {{ $labels.instance }}",
            "{{ $labels.instance }} sees {{ $value }} slots served by a healthy master; the rest are unassigned, failing or suspected failing.",
        ),
    ];
    const sentinel = spec.sentinel?.settings;
    // A failover needs the quorum to agree the master is down and a majority of all Sentinels to elect a leader.
    const needed = sentinel ? Math.max(sentinel.quorum, Math.floor(sentinel.replicas / 2) + 1) : 0;
    const sentinelRules = [
        rule(
            "RedisSentinelQuorumLost",
            "critical",
            `redis_sentinel_master_ok_sentinels{${sel}} < ${needed}`,
            "Sentinel {{ $labels.instance }} reaches only {{ $value }} Sentinels",
            `Sentinel {{ $labels.instance }} sees {{ $value }} healthy Sentinels (itself included) for master {{ $labels.master_name }}; a failover needs ${needed}. If the master fails now, nothing promotes a replica.`,
        ),
    ];
    // The scrape targets: the Redis pods' Service, and the Sentinels' with the sentinel topology.
    const services = spec.sentinel
        ? `service=~"${spec.names.clientService}|${spec.sentinel.names.service}"`
        : `service="${spec.names.clientService}"`;
    return [
        {
            name: `${spec.names.statefulSet}.rules`,
            rules: [
                // Redis down with its exporter up, or the whole pod (the scrape target) gone.
                rule(
                    "RedisDown",
                    "critical",
                    `(redis_up{${sel}} == 0) or (up{${sel},${services}} == 0)`,
                    "Redis on {{ $labels.instance }} is down",
                    "{{ $labels.instance }} does not answer: Redis or its whole pod is down (value {{ $value }}).",
                ),
                ...(spec.sentinel ? sentinelRules : clusterRules),
                rule(
                    "RedisMasterWithoutReplica",
                    "critical",
                    `(redis_connected_slaves{${sel}} == 0) and on (instance) (redis_instance_info{${sel},role="master"} == 1)`,
                    "Master {{ $labels.instance }} has no replica",
                    "Master {{ $labels.instance }} has {{ $value }} connected replicas: losing it now loses its slots' data and availability.",
                ),
                rule(
                    "RedisMemoryHigh",
                    "warning",
                    `(redis_memory_used_bytes{${sel}} / redis_memory_max_bytes{${sel}} * 100 > ${t.memoryPercent}) and (redis_memory_max_bytes{${sel}} > 0)`,
                    "Redis on {{ $labels.instance }} uses {{ $value | humanize }}% of maxmemory",
                    `Used memory is above ${t.memoryPercent}% of maxmemory on {{ $labels.instance }}; evictions or OOM errors follow.`,
                ),
                rule(
                    "RedisEvictingKeys",
                    "warning",
                    `increase(redis_evicted_keys_total{${sel}}[5m]) > 0`,
                    "Redis on {{ $labels.instance }} is evicting keys",
                    "{{ $value | humanize }} keys were evicted in 5 minutes on {{ $labels.instance }}: the data does not fit maxmemory.",
                ),
                rule(
                    "RedisReplicationBroken",
                    "warning",
                    `redis_master_link_up{${sel}} == 0`,
                    "Replica {{ $labels.instance }} lost its master link",
                    "Replica {{ $labels.instance }} is not connected to its master (master_link_status down).",
                ),
                rule(
                    "RedisReplicationLag",
                    "warning",
                    `redis_connected_slave_lag_seconds{${sel}} > ${t.replicationLagSeconds}`,
                    "A replica of {{ $labels.instance }} lags {{ $value }} s",
                    `Replica {{ $labels.slave_ip }} of {{ $labels.instance }} last acknowledged {{ $value }} s ago (threshold ${t.replicationLagSeconds} s).`,
                ),
                rule(
                    "RedisRejectedConnections",
                    "warning",
                    `increase(redis_rejected_connections_total{${sel}}[5m]) > 0`,
                    "Redis on {{ $labels.instance }} rejected connections",
                    "{{ $value | humanize }} connections were rejected in 5 minutes on {{ $labels.instance }} (maxclients reached).",
                ),
                rule(
                    "RedisPersistenceFailed",
                    "warning",
                    `(redis_rdb_last_bgsave_status{${sel}} == 0) or (redis_aof_last_bgrewrite_status{${sel}} == 0)`,
                    "The last RDB save or AOF rewrite failed on {{ $labels.instance }}",
                    "{{ $labels.instance }}: the last background save or AOF rewrite failed; check disk space and the Redis log.",
                ),
                // From SLOWLOG LEN: the exporter user may not read the entries (SLOWLOG GET shows keys
                // and values), so redis_slowlog_last_id is gone. The length stops growing once the log
                // holds slowlog-max-len entries, which RedisSlowlogFull reports.
                rule(
                    "RedisSlowlogGrowing",
                    "info",
                    `delta(redis_slowlog_length{${sel}}[5m]) > ${t.slowlogEntries}`,
                    "The slow log grows on {{ $labels.instance }}",
                    `The slow log gained {{ $value | humanize }} entries in 5 minutes on {{ $labels.instance }} (threshold ${t.slowlogEntries}).`,
                ),
                ...slowlogFullRule(spec, rule),
                ...(spec.settings.backup.enabled ? [backupStaleRule(spec, rule)] : []),
                rule(
                    "RedisConnectionsNearLimit",
                    "info",
                    // The configured maxclients, not the exporter's redis_config_maxclients: the exporter
                    // user may not run CONFIG (CONFIG GET would also show masterauth), and maxclients is
                    // only ever set from this spec (redis.conf, or CONFIG SET by the formation provider).
                    `redis_connected_clients{${sel}} / ${spec.settings.redis.maxclients} * 100 > ${t.connectionsPercent}`,
                    "Redis on {{ $labels.instance }} uses {{ $value | humanize }}% of maxclients",
                    `Connected clients are above ${t.connectionsPercent}% of maxclients on {{ $labels.instance }}.`,
                ),
            ],
        },
    ];
}

/**
 * Backups that stopped: kube-state-metrics' CronJob metrics (standard with kube-prometheus-stack),
 * per backup CronJob that runs, against its staleness limit (two gaps between runs plus a deadline).
 * A CronJob that never succeeded counts from its creation.
 */
function backupStaleRule(
    spec: ClusterSpec,
    rule: (alert: string, severity: AlertRule["labels"]["severity"], expr: string, summary: string, description: string) => AlertRule,
): AlertRule {
    const jobs: BackupJob[] = spec.settings.backup.verify.enabled ? ["hourly", "daily", "verify"] : ["hourly", "daily"];
    const names: Record<BackupJob, string> = { ...spec.names.backup, verify: spec.names.backupVerify };
    const exprs = jobs.map((job) => {
        const sel = `namespace="${spec.names.namespace}",cronjob="${names[job]}"`;
        const limit = stalenessMinutes(spec, job) * 60;
        return (
            `(time() - kube_cronjob_status_last_successful_time{${sel}} > ${limit})` +
            ` or (time() - kube_cronjob_created{${sel}} > ${limit} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{${sel}})`
        );
    });
    return rule(
        "RedisBackupStale",
        "warning",
        exprs.join(" or "),
        "Backup job {{ $labels.cronjob }} has not succeeded for {{ $value | humanizeDuration }}",
        `CronJob {{ $labels.cronjob }} last completed a run {{ $value | humanizeDuration }} ago (or was created that long ago and never has), longer than two scheduled intervals plus its deadline (${jobs.map((j) => `${names[j]}: ${stalenessMinutes(spec, j)} min`).join(", ")}). The newest backup grows old, and the bucket's lifecycle rules go on expiring older ones.`,
    );
}

/** Metric names an expression reads (for checking them against what the exporter serves). */
export function metricNames(expr: string): string[] {
    return [...new Set(expr.match(/\bredis_[a-z0-9_]+/g) ?? [])];
}

/**
 * The slow log holds slowlog-max-len entries: new slow commands replace old ones, the length stays
 * put and RedisSlowlogGrowing cannot see them until someone reads and resets the log. None when
 * the slow log is off (max-len 0, or log-slower-than -1).
 */
function slowlogFullRule(
    spec: ClusterSpec,
    rule: (alert: string, severity: AlertRule["labels"]["severity"], expr: string, summary: string, description: string) => AlertRule,
): AlertRule[] {
    const r = spec.settings.redis;
    if (r.slowlogMaxLen === 0 || r.slowlogLogSlowerThanUs < 0) return [];
    return [
        rule(
            "RedisSlowlogFull",
            "info",
            `redis_slowlog_length{namespace="${spec.names.namespace}"} >= ${r.slowlogMaxLen}`,
            "The slow log is full on {{ $labels.instance }}",
            `The slow log on {{ $labels.instance }} holds its ${r.slowlogMaxLen} entries (redis.slowlogMaxLen): further slow commands no longer raise RedisSlowlogGrowing until it is read and reset.`,
        ),
    ];
}
