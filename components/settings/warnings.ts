// Settings that are valid but risky: the deployment goes ahead, and the user is told (the
// component through pulumi.log.warn, `npm run render` on stderr). Errors stop a deployment;
// warnings name what the user chose to accept.
import { checkServerImage, serverImageVersion } from "./cves";
import { sharedStarts } from "./cron";
import { sentinelSettings, Settings } from "./schema";

export interface ConfigWarning {
    /** The setting, as RedisClusterArgs spells it (`image`). */
    key: string;
    value: unknown;
    /** What is wrong and what to do about it. */
    message: string;
}

export function configWarnings(s: Settings): ConfigWarning[] {
    const warnings: ConfigWarning[] = [];
    const check = checkServerImage(s.image);
    const product = serverImageVersion(s.image)?.engine === "valkey" ? "Valkey" : "Redis";
    if (check.kind === "vulnerable") {
        const list = check.cves.map((c) => `${c.id} (${c.summary}; fixed in ${Object.values(c.fixedIn).join(", ")})`).join("; ");
        warnings.push({
            key: "image",
            value: s.image,
            message: `${product} ${check.version} has known vulnerabilities: ${list}. Pin a release at or above every fix.`,
        });
    } else if (check.kind === "unchecked") {
        warnings.push({ key: "image", value: s.image, message: `not checked against known ${product} CVEs: ${check.reason}.` });
    }
    if (s.redis.tcpBacklog > POD_SOMAXCONN) {
        warnings.push({
            key: "redis.tcpBacklog",
            value: s.redis.tcpBacklog,
            message:
                `the kernel caps the listen backlog at the pod network namespace's net.core.somaxconn ` +
                `(${POD_SOMAXCONN} since Linux 5.4); raising it needs the kubelet's --allowed-unsafe-sysctls and a pod sysctl, which the restricted Pod Security Standard forbids. ` +
                `Redis will run with ${POD_SOMAXCONN}.`,
        });
    }
    if (s.topology === "sentinel" && sentinelSettings(s).hostAntiAffinity !== "required") {
        warnings.push({
            key: "sentinel.hostAntiAffinity",
            value: sentinelSettings(s).hostAntiAffinity,
            message:
                'Sentinels may share a node: losing that node loses the quorum, and no failover can happen. Use "required" wherever the cluster has at least as many nodes as Sentinels.',
        });
    }
    warnings.push(...persistenceWarnings(s));
    if (s.topology === "cluster" && s.backup.enabled) {
        const shared = sharedStarts(s.backup.hourly.schedule, s.backup.daily.schedule);
        if (shared.length > 0) {
            warnings.push({
                key: "backup.daily.schedule",
                value: s.backup.daily.schedule,
                message: `starts together with backup.hourly.schedule (${s.backup.hourly.schedule}) at ${shared.slice(0, 3).join(", ")}${shared.length > 3 ? ", ..." : ""} (UTC): two dumps then pull every shard at once, doubling the forks on the replicas; move the daily run to a minute the hourly one does not use (default "30 2 * * *").`,
            });
        }
    }
    return warnings;
}

/** Persistence and CPU settings that are valid but cost latency or data; docs/persistence.md explains each. */
function persistenceWarnings(s: Settings): ConfigWarning[] {
    const warnings: ConfigWarning[] = [];
    const r = s.redis;
    if (r.appendonly && r.save.length > 0) {
        warnings.push({
            key: "redis.save",
            value: r.save,
            message:
                "RDB save rules beside the AOF fork a full snapshot whenever a rule matches (the guide's 60 s / 10000 changes rule means one snapshot of up to maxmemory after another once writes pass about 170/s), and every SIGTERM writes one more before Redis exits, inside terminationGracePeriodSeconds. The AOF already persists every write and backups pull RDBs from replicas; use [] unless something reads dump.rdb.",
        });
    }
    if (!r.appendonly && r.save.length === 0) {
        warnings.push({
            key: "redis.appendonly",
            value: false,
            message:
                "with redis.save empty as well, nothing is persisted: a restarted pod comes back empty and resyncs from its master, and a shard whose pods all restart loses its data. Turn appendonly on, or give save rules.",
        });
    }
    if (s.resources.limits.cpu !== "") {
        warnings.push({
            key: "resources.limits.cpu",
            value: s.resources.limits.cpu,
            message:
                "a CPU limit is a CFS quota shared by Redis and its fork children (AOF rewrite, full sync to a replica, backup pulls): while a child copies gigabytes the quota runs out, Redis is throttled for the rest of each 100 ms period, replies and cluster-bus pings stall, and past redis.clusterNodeTimeoutMs the cluster fails the master over. Leave it empty unless the nodes require limits.",
        });
    }
    return warnings;
}

/** net.core.somaxconn of a new network namespace (every pod's) since Linux 5.4. */
const POD_SOMAXCONN = 4096;

export function formatWarning(w: ConfigWarning, keyPrefix = ""): string {
    return `RedisCluster configuration: ${keyPrefix}${w.key} = ${JSON.stringify(w.value)}: ${w.message}`;
}
