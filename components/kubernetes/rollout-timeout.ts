// How long `pulumi up` waits for the Redis StatefulSet to roll out (the resource's customTimeouts).
// Pulumi's default, 10 minutes, is too short for a rolling restart of pods that reload a large AOF
// and resync: the update then fails half-way while Kubernetes carries on. The default is sized
// from the data instead; `rolloutTimeoutSeconds` overrides it.
import type { ClusterSpec } from "../settings/spec";
import { parseRedisSize } from "../settings/formats";

const MiB = 2 ** 20;

/** The numbers of the formula (docs/pulumi-waits.md explains where each comes from). */
export const ROLLOUT_TIMEOUT = {
    /** Pulumi's own default: never wait less. */
    floorSeconds: 600,
    /** Scheduling, volume attach, image pull and process start of one pod. */
    podStartSeconds: 60,
    /** Reading the AOF back at start: a gp3 volume's baseline throughput is 125 MiB/s. */
    loadMiBPerSecond: 100,
    /** A full resync: fork, transfer over the pod network, and the replica loading it. */
    resyncMiBPerSecond: 50,
} as const;

/**
 * Seconds one rolling update may take: pods restart one at a time, and each one stops (its grace
 * period), starts, loads up to maxmemory from its AOF and resyncs up to maxmemory from its master.
 *   podCount x (terminationGracePeriodSeconds + 60 + maxmemory/100 MiB/s + maxmemory/50 MiB/s),
 * rounded up to a whole minute, and at least 600 (Pulumi's default).
 */
export function rolloutTimeoutSeconds(spec: ClusterSpec): number {
    const s = spec.settings;
    if (s.rolloutTimeoutSeconds > 0) return s.rolloutTimeoutSeconds;
    const t = ROLLOUT_TIMEOUT;
    const dataMiB = (parseRedisSize(s.redis.maxmemory) ?? 0) / MiB;
    const perPod = s.terminationGracePeriodSeconds + t.podStartSeconds + dataMiB / t.loadMiBPerSecond + dataMiB / t.resyncMiBPerSecond;
    return Math.max(t.floorSeconds, Math.ceil((spec.podCount * perPod) / 60) * 60);
}
