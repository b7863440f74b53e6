// Cross-field rules of the topology: the engine an image holds, the cluster's masters, and the
// Sentinel settings that only make sense together.
import { imageRepositoryName } from "./formats";
import { type CrossFieldRule, when } from "./rule-kit";
import { sentinelSettings } from "./schema";

/** The topology's rules, in the order their problems are listed. */
export const TOPOLOGY_RULES: readonly CrossFieldRule[] = [
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
];
