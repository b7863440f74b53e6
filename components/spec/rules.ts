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

/** `aws s3 cp --checksum-algorithm`, which uploads into an Object Lock bucket need, is in aws-cli 2.18 and later. */
export const OBJECT_LOCK_CLI_MINOR = 18;

/**
 * One cross-field rule, as Bitnami's `validateValues.*` templates are: a name that says what it
 * guards, and a check returning every problem it finds (key, value given, what is allowed).
 */
export interface CrossFieldRule {
    name: string;
    check(s: Settings, given: RedisClusterArgs): Problem[];
}

const problem = (key: string, value: unknown, allowed: string): Problem => ({ key, value, allowed });
/** The rule's one problem when `broken`, else none. */
const when = (broken: boolean, key: string, value: unknown, allowed: () => string): Problem[] =>
    broken ? [problem(key, value, allowed())] : [];
const backupToS3 = (s: Settings) => s.backup.enabled && s.backup.s3.enabled;

/** Every cross-field rule, in the order their problems are listed. */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
    {
        // An image of the other engine cannot work: the scripts call the engine's own binaries
        // (valkey-server, valkey-cli, valkey-sentinel or the redis- ones), and local mode and the CVE
        // table read the engine from the image. Images under another repository name are the user's.
        name: "imageMatchesEngine",
        check(s) {
            const repository = imageRepositoryName(s.image);
            return when(
                (repository === "redis" || repository === "valkey") && repository !== s.engine,
                "image",
                s.image,
                () =>
                    `an image of engine "${s.engine}" (a ${s.engine === "valkey" ? "valkey/valkey" : "redis"} repository), or engine: "${repository}": ` +
                    `the pods call ${s.engine}-server, ${s.engine}-cli and ${s.engine}-sentinel, which a ${repository} image does not have`,
            );
        },
    },
    {
        name: "clusterHasThreeMasters",
        check: (s) =>
            when(
                s.topology === "cluster" && s.shards < 3,
                "shards",
                s.shards,
                () =>
                    'at least 3 with topology "cluster": Redis Cluster fails a master over only when a majority of masters agree, so fewer than 3 cannot survive the loss of one (use topology "sentinel" for a single shard)',
            ),
    },
    {
        name: "sentinelOnlyWithSentinelTopology",
        check: (s, given) =>
            when(
                s.topology === "cluster" && given.sentinel !== undefined,
                "sentinel",
                given.sentinel,
                () =>
                    'only with topology "sentinel": Sentinel fails over with REPLICAOF, which Redis refuses in cluster mode ("ERR REPLICAOF not allowed in cluster mode"), so the cluster topology uses the cluster\'s own failover',
            ),
    },
    {
        name: "sentinelHasOneShard",
        check: (s, given) =>
            when(
                s.topology === "sentinel" && given.shards !== undefined && given.shards !== 1,
                "shards",
                given.shards,
                () => 'not set (or 1) with topology "sentinel": it has one master that holds every key; use topology "cluster" to shard',
            ),
    },
    {
        name: "sentinelHasAReplica",
        check: (s) =>
            when(
                s.topology === "sentinel" && s.replicasPerShard < 1,
                "replicasPerShard",
                s.replicasPerShard,
                () => 'at least 1 with topology "sentinel": Sentinel needs a replica to promote',
            ),
    },
    {
        name: "sentinelCountSurvivesALoss",
        check(s) {
            if (s.topology !== "sentinel") return [];
            const sentinel = sentinelSettings(s);
            return when(
                sentinel.replicas < 3,
                "sentinel.replicas",
                sentinel.replicas,
                () => "at least 3, so that a majority of Sentinels survives the loss of one and can still authorise a failover",
            );
        },
    },
    {
        name: "sentinelQuorumIsAMajority",
        check(s) {
            if (s.topology !== "sentinel") return [];
            const sentinel = sentinelSettings(s);
            return when(
                sentinel.quorum > sentinel.replicas || sentinel.quorum <= sentinel.replicas / 2,
                "sentinel.quorum",
                sentinel.quorum,
                () =>
                    `more than half of sentinel.replicas (${sentinel.replicas}) and no more than it, so two partitions can never both fail over`,
            );
        },
    },
    {
        name: "sentinelFailoverOutlastsDownAfter",
        check(s) {
            if (s.topology !== "sentinel") return [];
            const sentinel = sentinelSettings(s);
            return when(
                sentinel.failoverTimeoutMs < 2 * sentinel.downAfterMs,
                "sentinel.failoverTimeoutMs",
                sentinel.failoverTimeoutMs,
                () =>
                    `at least twice sentinel.downAfterMs (${sentinel.downAfterMs}): a failover that may be retried before the master is even agreed down lets Sentinels start competing failovers`,
            );
        },
    },
    {
        name: "requestsWithinLimits",
        check: (s) =>
            (["cpu", "memory"] as const).flatMap((kind) => {
                const request = parseQuantity(s.resources.requests[kind]);
                const limit = parseQuantity(s.resources.limits[kind]);
                return when(
                    request !== undefined && limit !== undefined && request > limit,
                    `resources.requests.${kind}`,
                    s.resources.requests[kind],
                    () => `at most resources.limits.${kind} (${s.resources.limits[kind]})`,
                );
            }),
    },
    {
        name: "guaranteedQosHasEqualLimits",
        check(s, given) {
            if (s.resources.qos !== "guaranteed") return [];
            return [
                ...when(
                    s.resources.limits.cpu === "",
                    "resources.limits.cpu",
                    "",
                    () =>
                        'a CPU quantity with resources.qos "guaranteed": Kubernetes gives a pod Guaranteed QoS only when every container has CPU and memory limits equal to its requests',
                ),
                ...(["cpu", "memory"] as const).flatMap((kind) => {
                    const asked = given.resources?.requests?.[kind];
                    return when(
                        asked !== undefined && String(asked) !== s.resources.limits[kind],
                        `resources.requests.${kind}`,
                        asked,
                        () =>
                            `unset or equal to resources.limits.${kind} (${JSON.stringify(s.resources.limits[kind])}) with resources.qos "guaranteed": requests equal to limits are what makes the QoS class Guaranteed`,
                    );
                }),
            ];
        },
    },
    {
        name: "maxmemoryFitsMemoryLimit",
        check(s) {
            const memoryLimit = parseQuantity(s.resources.limits.memory);
            const maxmemory = parseRedisSize(s.redis.maxmemory);
            if (memoryLimit === undefined || maxmemory === undefined) return [];
            const ceiling = Math.floor(memoryLimit * MAXMEMORY_SHARE_OF_LIMIT);
            if (maxmemory === 0) {
                return [
                    problem(
                        "redis.maxmemory",
                        s.redis.maxmemory,
                        `a limit (0 means unlimited): with a memory limit of ${s.resources.limits.memory}, unlimited Redis grows until the kernel kills it; at most ${mib(ceiling)}`,
                    ),
                ];
            }
            return when(
                maxmemory > ceiling,
                "redis.maxmemory",
                s.redis.maxmemory,
                () =>
                    `at most ${Math.round(MAXMEMORY_SHARE_OF_LIMIT * 100)}% of resources.limits.memory (${s.resources.limits.memory}), i.e. ${mib(ceiling)}: a fork for RDB or AOF rewrite and the replication and client buffers need the rest`,
            );
        },
    },
    {
        name: "storageHoldsThePersistence",
        check(s) {
            const storage = parseQuantity(s.storage.size);
            const needed = diskNeededBytes(s);
            return when(
                storage !== undefined && storage < needed,
                "storage.size",
                s.storage.size,
                () =>
                    `at least ${mib(needed)} for redis.maxmemory ${s.redis.maxmemory}: the AOF grows to ${2 + s.redis.autoAofRewritePercentage / 100}x the data around a rewrite${s.redis.save.length > 0 ? ", and an RDB save keeps two dumps" : ""}`,
            );
        },
    },
    {
        name: "ioThreadsFitCpuLimit",
        check(s) {
            const cpuLimit = parseQuantity(s.resources.limits.cpu);
            const cores = cpuLimit === undefined ? undefined : Math.max(1, Math.ceil(cpuLimit));
            return when(
                cores !== undefined && s.redis.ioThreads > cores,
                "redis.ioThreads",
                s.redis.ioThreads,
                () => `at most ${cores} with resources.limits.cpu ${s.resources.limits.cpu}: more threads than cores only contend`,
            );
        },
    },
    {
        name: "shutdownFitsGracePeriod",
        check: (s) =>
            when(
                s.redis.shutdownTimeoutSeconds >= s.terminationGracePeriodSeconds,
                "redis.shutdownTimeoutSeconds",
                s.redis.shutdownTimeoutSeconds,
                () =>
                    `less than terminationGracePeriodSeconds (${s.terminationGracePeriodSeconds}), or Kubernetes kills Redis before its shutdown save finishes`,
            ),
    },
    {
        name: "tlsHasOneCertificateSource",
        check(s, given) {
            const tls = s.tls;
            const sources = (tls.issuerRef ? 1 : 0) + (tls.secretName ? 1 : 0) + (tls.namespacedCa ? 1 : 0);
            return [
                ...when(
                    tls.enabled && sources !== 1,
                    "tls",
                    given.tls,
                    () =>
                        "exactly one of tls.issuerRef (cert-manager), tls.secretName (an existing Secret) or tls.namespacedCa: true (a CA of its own in the namespace) when tls.enabled is true",
                ),
                ...when(
                    !tls.enabled && sources > 0,
                    "tls.enabled",
                    tls.enabled,
                    () => "true when tls.issuerRef, tls.secretName or tls.namespacedCa is set (otherwise they would be ignored)",
                ),
            ];
        },
    },
    {
        // IRSA's roles trust tokens of one issuer only.
        name: "irsaHasOidcProvider",
        check: (s) =>
            when(
                backupToS3(s) && backupIdentity(s) === "irsa" && s.backup.s3.oidcProviderArn === "",
                "backup.s3.oidcProviderArn",
                s.backup.s3.oidcProviderArn,
                () =>
                    'the ARN of the EKS cluster\'s IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>) with backup.s3.identity "irsa": the roles trust tokens of that issuer only; `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` shows the issuer. Or set backup.s3.identity "iamUser" for access keys in Secrets',
            ),
    },
    {
        name: "iamUserHasNoOidcProvider",
        check: (s) =>
            when(
                backupToS3(s) &&
                    backupIdentity(s) === "iamUser" &&
                    (s.backup.s3.oidcProviderArn !== "" || s.backup.s3.oidcProviderUrl !== ""),
                "backup.s3.identity",
                s.backup.s3.identity,
                () => '"irsa" (or empty) when backup.s3.oidcProviderArn or oidcProviderUrl is set: with "iamUser" they would be ignored',
            ),
    },
    {
        name: "oidcUrlMatchesProviderArn",
        check(s) {
            const s3 = s.backup.s3;
            const issuer = OIDC_PROVIDER_ARN.exec(s3.oidcProviderArn)?.[1];
            return when(
                backupToS3(s) && issuer !== undefined && s3.oidcProviderUrl !== "" && s3.oidcProviderUrl !== issuer,
                "backup.s3.oidcProviderUrl",
                s3.oidcProviderUrl,
                () => `empty or the issuer in backup.s3.oidcProviderArn (${issuer}): the trust policy's conditions are keyed by it`,
            );
        },
    },
    {
        name: "oidcUrlNeedsProviderArn",
        check: (s) =>
            when(
                backupToS3(s) && s.backup.s3.oidcProviderUrl !== "" && s.backup.s3.oidcProviderArn === "",
                "backup.s3.oidcProviderUrl",
                s.backup.s3.oidcProviderUrl,
                () => "empty unless backup.s3.oidcProviderArn is set (IRSA needs the provider's ARN)",
            ),
    },
    {
        name: "objectLockHasChecksummingCli",
        check(s) {
            const s3 = s.backup.s3;
            const cli = /:(\d+)\.(\d+)\.\d+(@|$)/.exec(s.backup.awsCliImage);
            const tooOld = cli !== null && (Number(cli[1]) < 2 || (Number(cli[1]) === 2 && Number(cli[2]) < OBJECT_LOCK_CLI_MINOR));
            return when(
                backupToS3(s) && s3.objectLockDays > 0 && tooOld,
                "backup.awsCliImage",
                s.backup.awsCliImage,
                () =>
                    `an aws-cli image of 2.${OBJECT_LOCK_CLI_MINOR}.0 or later with backup.s3.objectLockDays ${s3.objectLockDays}: S3 refuses an upload without a checksum into a bucket with default retention, and \`aws s3 cp --checksum-algorithm\` came in 2.${OBJECT_LOCK_CLI_MINOR}`,
            );
        },
    },
    {
        name: "oneKmsKeySource",
        check: (s) =>
            when(
                backupToS3(s) && s.backup.s3.createKmsKey && s.backup.s3.kmsKeyArn !== "",
                "backup.s3.createKmsKey",
                true,
                () =>
                    `false when backup.s3.kmsKeyArn is set (${s.backup.s3.kmsKeyArn}): one key encrypts the bucket, the given one or a created one`,
            ),
    },
    {
        name: "restoreReadsFromS3",
        check(s) {
            const from = s.restore.from;
            if (from === "") return [];
            if (!backupToS3(s)) {
                return [
                    problem(
                        "restore.from",
                        from,
                        "empty unless backup.enabled and backup.s3.enabled are true: the restore step reads the backup from S3 with the backup jobs' access",
                    ),
                ];
            }
            return when(
                !from.startsWith("s3://") && s.backup.s3.bucketName === "",
                "restore.from",
                from,
                () =>
                    "an s3://bucket/prefix/<kind>/<id>/ URL when backup.s3.bucketName is empty: a generated bucket is new and holds no backup to restore",
            );
        },
    },
    {
        name: "restoreOnlyForCluster",
        check: (s) =>
            when(
                s.restore.from !== "" && s.topology !== "cluster",
                "restore.from",
                s.restore.from,
                () => 'empty with topology "sentinel": restore loads one RDB per shard of the cluster topology',
            ),
    },
    {
        name: "backupOnlyForCluster",
        check: (s, given) =>
            when(
                given.backup?.enabled === true && s.topology !== "cluster",
                "backup.enabled",
                true,
                () =>
                    'false with topology "sentinel" in this version: the backup jobs find shards and their replicas through CLUSTER NODES, which a Sentinel deployment does not answer',
            ),
    },
];

/** Every problem of every cross-field rule, in the rules' order. */
export function crossFieldProblems(s: Settings, given: RedisClusterArgs): Problem[] {
    return CROSS_FIELD_RULES.flatMap((rule) => rule.check(s, given));
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
