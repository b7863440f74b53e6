// Rules that relate several settings. Each returns problems phrased so that a person can act on
// them: what is wrong, and why it matters in production.
import type { RedisClusterArgs } from "./args";
import type { Problem } from "./fields";
import { imageRepositoryName, parseQuantity, parseRedisSize } from "./formats";
import { OIDC_PROVIDER_ARN, sentinelSettings, Settings } from "./schema";

/** The largest share of the memory limit maxmemory may take: the rest is for fork copy-on-write, replication and client buffers. */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

/**
 * Disk a node may need, as multiples of maxmemory. The AOF grows to (1 + rewrite percentage)
 * times the dataset before a rewrite, which writes one more copy; an RDB save keeps the last dump
 * beside the one being written.
 */
export function diskNeededBytes(s: Settings): number {
    const data = parseRedisSize(s.redis.maxmemory) ?? 0;
    const aof = s.redis.appendonly ? data * (2 + s.redis.autoAofRewritePercentage / 100) : 0;
    const rdb = s.redis.save.length > 0 || !s.redis.appendonly ? data * 2 : 0;
    return aof + rdb;
}

export function crossFieldProblems(s: Settings, given: RedisClusterArgs): Problem[] {
    const problems: Problem[] = [];
    const add = (key: string, value: unknown, allowed: string) => problems.push({ key, value, allowed });

    // An image of the other engine cannot work: the scripts call the engine's own binaries
    // (valkey-server, valkey-cli, valkey-sentinel or the redis- ones), and local mode and the CVE
    // table read the engine from the image. Images under another repository name are the user's.
    const repository = imageRepositoryName(s.image);
    if ((repository === "redis" || repository === "valkey") && repository !== s.engine) {
        add("image", s.image, `an image of engine "${s.engine}" (a ${s.engine === "valkey" ? "valkey/valkey" : "redis"} repository), or engine: "${repository}": ` +
            `the pods call ${s.engine}-server, ${s.engine}-cli and ${s.engine}-sentinel, which a ${repository} image does not have`);
    }

    if (s.topology === "cluster") {
        if (s.shards < 3) {
            add("shards", s.shards, "at least 3 with topology \"cluster\": Redis Cluster fails a master over only when a majority of masters agree, so fewer than 3 cannot survive the loss of one (use topology \"sentinel\" for a single shard)");
        }
        if (given.sentinel !== undefined) {
            add("sentinel", given.sentinel, "only with topology \"sentinel\": Sentinel fails over with REPLICAOF, which Redis refuses in cluster mode (\"ERR REPLICAOF not allowed in cluster mode\"), so the cluster topology uses the cluster's own failover");
        }
    } else {
        if (given.shards !== undefined && given.shards !== 1) {
            add("shards", given.shards, "not set (or 1) with topology \"sentinel\": it has one master that holds every key; use topology \"cluster\" to shard");
        }
        if (s.replicasPerShard < 1) {
            add("replicasPerShard", s.replicasPerShard, "at least 1 with topology \"sentinel\": Sentinel needs a replica to promote");
        }
        const sentinel = sentinelSettings(s);
        if (sentinel.replicas < 3) {
            add("sentinel.replicas", sentinel.replicas, "at least 3, so that a majority of Sentinels survives the loss of one and can still authorise a failover");
        }
        if (sentinel.quorum > sentinel.replicas || sentinel.quorum <= sentinel.replicas / 2) {
            add("sentinel.quorum", sentinel.quorum, `more than half of sentinel.replicas (${sentinel.replicas}) and no more than it, so two partitions can never both fail over`);
        }
        if (sentinel.failoverTimeoutMs < 2 * sentinel.downAfterMs) {
            add("sentinel.failoverTimeoutMs", sentinel.failoverTimeoutMs, `at least twice sentinel.downAfterMs (${sentinel.downAfterMs}): a failover that may be retried before the master is even agreed down lets Sentinels start competing failovers`);
        }
    }

    for (const kind of ["cpu", "memory"] as const) {
        const request = parseQuantity(s.resources.requests[kind]);
        const limit = parseQuantity(s.resources.limits[kind]);
        if (request !== undefined && limit !== undefined && request > limit) {
            add(`resources.requests.${kind}`, s.resources.requests[kind], `at most resources.limits.${kind} (${s.resources.limits[kind]})`);
        }
    }

    if (s.resources.qos === "guaranteed") {
        if (s.resources.limits.cpu === "") {
            add("resources.limits.cpu", "", "a CPU quantity with resources.qos \"guaranteed\": Kubernetes gives a pod Guaranteed QoS only when every container has CPU and memory limits equal to its requests");
        }
        for (const kind of ["cpu", "memory"] as const) {
            const asked = given.resources?.requests?.[kind];
            if (asked !== undefined && String(asked) !== s.resources.limits[kind]) {
                add(`resources.requests.${kind}`, asked, `unset or equal to resources.limits.${kind} (${JSON.stringify(s.resources.limits[kind])}) with resources.qos "guaranteed": requests equal to limits are what makes the QoS class Guaranteed`);
            }
        }
    }

    const memoryLimit = parseQuantity(s.resources.limits.memory);
    const maxmemory = parseRedisSize(s.redis.maxmemory);
    if (memoryLimit !== undefined && maxmemory !== undefined) {
        const ceiling = Math.floor(memoryLimit * MAXMEMORY_SHARE_OF_LIMIT);
        if (maxmemory === 0) {
            add("redis.maxmemory", s.redis.maxmemory, `a limit (0 means unlimited): with a memory limit of ${s.resources.limits.memory}, unlimited Redis grows until the kernel kills it; at most ${mib(ceiling)}`);
        } else if (maxmemory > ceiling) {
            add("redis.maxmemory", s.redis.maxmemory, `at most ${Math.round(MAXMEMORY_SHARE_OF_LIMIT * 100)}% of resources.limits.memory (${s.resources.limits.memory}), i.e. ${mib(ceiling)}: a fork for RDB or AOF rewrite and the replication and client buffers need the rest`);
        }
    }

    const storage = parseQuantity(s.storage.size);
    const needed = diskNeededBytes(s);
    if (storage !== undefined && storage < needed) {
        add("storage.size", s.storage.size, `at least ${mib(needed)} for redis.maxmemory ${s.redis.maxmemory}: the AOF grows to ${2 + s.redis.autoAofRewritePercentage / 100}x the data around a rewrite${s.redis.save.length > 0 ? ", and an RDB save keeps two dumps" : ""}`);
    }

    const cpuLimit = parseQuantity(s.resources.limits.cpu);
    if (cpuLimit !== undefined && s.redis.ioThreads > Math.max(1, Math.ceil(cpuLimit))) {
        add("redis.ioThreads", s.redis.ioThreads, `at most ${Math.max(1, Math.ceil(cpuLimit))} with resources.limits.cpu ${s.resources.limits.cpu}: more threads than cores only contend`);
    }

    if (s.redis.shutdownTimeoutSeconds >= s.terminationGracePeriodSeconds) {
        add("redis.shutdownTimeoutSeconds", s.redis.shutdownTimeoutSeconds, `less than terminationGracePeriodSeconds (${s.terminationGracePeriodSeconds}), or Kubernetes kills Redis before its shutdown save finishes`);
    }

    const tls = s.tls;
    const sources = (tls.issuerRef ? 1 : 0) + (tls.secretName ? 1 : 0) + (tls.namespacedCa ? 1 : 0);
    if (tls.enabled && sources !== 1) {
        add("tls", given.tls, "exactly one of tls.issuerRef (cert-manager), tls.secretName (an existing Secret) or tls.namespacedCa: true (a CA of its own in the namespace) when tls.enabled is true");
    }
    if (!tls.enabled && sources > 0) {
        add("tls.enabled", tls.enabled, "true when tls.issuerRef, tls.secretName or tls.namespacedCa is set (otherwise they would be ignored)");
    }

    const s3 = s.backup.s3;
    problems.push(...backupAccessProblems(s));
    const from = s.restore.from;
    if (from !== "" && !(s.backup.enabled && s3.enabled)) {
        add("restore.from", from, "empty unless backup.enabled and backup.s3.enabled are true: the restore step reads the backup from S3 with the backup jobs' access");
    } else if (from !== "" && !from.startsWith("s3://") && s3.bucketName === "") {
        add("restore.from", from, "an s3://bucket/prefix/<kind>/<id>/ URL when backup.s3.bucketName is empty: a generated bucket is new and holds no backup to restore");
    }
    if (from !== "" && s.topology !== "cluster") {
        add("restore.from", from, "empty with topology \"sentinel\": restore loads one RDB per shard of the cluster topology");
    }
    if (given.backup?.enabled === true && s.topology !== "cluster") {
        add("backup.enabled", true, "false with topology \"sentinel\" in this version: the backup jobs find shards and their replicas through CLUSTER NODES, which a Sentinel deployment does not answer");
    }
    return problems;
}

/** `aws s3 cp --checksum-algorithm`, which uploads into an Object Lock bucket need, is in aws-cli 2.18 and later. */
export const OBJECT_LOCK_CLI_MINOR = 18;

/** IRSA needs its OIDC provider; an IAM user ignores one; one KMS key source at most. */
function backupAccessProblems(s: Settings): Problem[] {
    const s3 = s.backup.s3;
    const out: Problem[] = [];
    if (!(s.backup.enabled && s3.enabled)) return out;
    const identity = backupIdentity(s);
    if (identity === "irsa" && s3.oidcProviderArn === "") {
        out.push({ key: "backup.s3.oidcProviderArn", value: s3.oidcProviderArn,
            allowed: "the ARN of the EKS cluster's IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>) with backup.s3.identity \"irsa\": the roles trust tokens of that issuer only; `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` shows the issuer. Or set backup.s3.identity \"iamUser\" for access keys in Secrets" });
    }
    if (identity === "iamUser" && (s3.oidcProviderArn !== "" || s3.oidcProviderUrl !== "")) {
        out.push({ key: "backup.s3.identity", value: s3.identity,
            allowed: "\"irsa\" (or empty) when backup.s3.oidcProviderArn or oidcProviderUrl is set: with \"iamUser\" they would be ignored" });
    }
    const issuer = OIDC_PROVIDER_ARN.exec(s3.oidcProviderArn)?.[1];
    if (issuer !== undefined && s3.oidcProviderUrl !== "" && s3.oidcProviderUrl !== issuer) {
        out.push({ key: "backup.s3.oidcProviderUrl", value: s3.oidcProviderUrl,
            allowed: `empty or the issuer in backup.s3.oidcProviderArn (${issuer}): the trust policy's conditions are keyed by it` });
    }
    if (s3.oidcProviderUrl !== "" && s3.oidcProviderArn === "") {
        out.push({ key: "backup.s3.oidcProviderUrl", value: s3.oidcProviderUrl, allowed: "empty unless backup.s3.oidcProviderArn is set (IRSA needs the provider's ARN)" });
    }
    const cli = /:(\d+)\.(\d+)\.\d+(@|$)/.exec(s.backup.awsCliImage);
    if (s3.objectLockDays > 0 && cli && (Number(cli[1]) < 2 || (Number(cli[1]) === 2 && Number(cli[2]) < OBJECT_LOCK_CLI_MINOR))) {
        out.push({ key: "backup.awsCliImage", value: s.backup.awsCliImage,
            allowed: `an aws-cli image of 2.${OBJECT_LOCK_CLI_MINOR}.0 or later with backup.s3.objectLockDays ${s3.objectLockDays}: S3 refuses an upload without a checksum into a bucket with default retention, and \`aws s3 cp --checksum-algorithm\` came in 2.${OBJECT_LOCK_CLI_MINOR}` });
    }
    if (s3.createKmsKey && s3.kmsKeyArn !== "") {
        out.push({ key: "backup.s3.createKmsKey", value: true, allowed: `false when backup.s3.kmsKeyArn is set (${s3.kmsKeyArn}): one key encrypts the bucket, the given one or a created one` });
    }
    return out;
}

/** The identity backups use: backup.s3.identity, or irsa when an OIDC provider is given. */
export function backupIdentity(s: Settings): "irsa" | "iamUser" {
    const chosen = s.backup.s3.identity;
    if (chosen === "irsa" || chosen === "iamUser") return chosen;
    return s.backup.s3.oidcProviderArn !== "" ? "irsa" : "iamUser";
}

/** The OIDC issuer IRSA trust conditions are keyed by: oidcProviderUrl, or the issuer in the ARN. */
export function oidcIssuer(s: Settings): string {
    const s3 = s.backup.s3;
    return s3.oidcProviderUrl || (OIDC_PROVIDER_ARN.exec(s3.oidcProviderArn)?.[1] ?? "");
}

function mib(bytes: number): string {
    return `${Math.ceil(bytes / 2 ** 20)}Mi`;
}
