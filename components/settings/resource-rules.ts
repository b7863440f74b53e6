// Cross-field rules of the pod's resources: requests against limits, the QoS class, and what
// Redis's memory, disk, threads and shutdown need of them.
import { parseQuantity, parseRedisSize } from "./formats";
import { type CrossFieldRule, mib, problem, when } from "./rule-kit";
import type { Settings } from "./schema";

/** The largest share of the memory limit maxmemory may take: the rest is for fork copy-on-write, replication and client buffers. */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

/**
 * The largest share of maxmemory the replication backlog may take. Valkey and Redis count the
 * backlog as used memory (evict.c's freeMemoryGetNotCountedMemory leaves out only what replicas'
 * buffers hold beyond it), so once that many bytes of writes have streamed through, a backlog as
 * large as maxmemory has evicted the dataset (allkeys-lru) or refuses every write (noeviction).
 */
export const BACKLOG_SHARE_OF_MAXMEMORY = 0.25;

/**
 * The backlog when none is given: an eighth of maxmemory, at most 256mb, in whole mb (whole kb
 * below 1mb, at least the engine's 16kb).
 */
export function defaultReplBacklogSize(maxmemory: string): string {
    const eighth = (parseRedisSize(maxmemory) ?? 0) / 8;
    return redisSizeBelow(Math.min(256 * 2 ** 20, Math.max(16 * 1024, eighth)));
}

/** `bytes` rounded down to whole mb, or to whole kb below 1mb, in redis.conf's spelling. */
function redisSizeBelow(bytes: number): string {
    return bytes >= 2 ** 20 ? `${Math.floor(bytes / 2 ** 20)}mb` : `${Math.floor(bytes / 1024)}kb`;
}

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

/** The resource rules, in the order their problems are listed. */
export const RESOURCE_RULES: readonly CrossFieldRule[] = [
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
        name: "replBacklogWithinMaxmemory",
        check(s) {
            const maxmemory = parseRedisSize(s.redis.maxmemory) ?? 0;
            const backlog = parseRedisSize(s.redis.replBacklogSize) ?? 0;
            const ceiling = Math.floor(maxmemory * BACKLOG_SHARE_OF_MAXMEMORY);
            return when(
                maxmemory > 0 && backlog > ceiling,
                "redis.replBacklogSize",
                s.redis.replBacklogSize,
                () =>
                    `at most a quarter of redis.maxmemory (${s.redis.maxmemory}), i.e. ${redisSizeBelow(ceiling)}, or empty ` +
                    `(${defaultReplBacklogSize(s.redis.maxmemory)}): the engine counts the backlog against maxmemory, so a larger one, ` +
                    `once filled by writes, evicts the dataset (maxmemory-policy allkeys-lru) or refuses writes (noeviction)`,
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
];
