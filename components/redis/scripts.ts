import { readPackageFile } from "../package-files";

/** The container scripts shipped in the scripts ConfigMap, by file name. */
export const REDIS_SCRIPTS = [
    "redis-lib.sh",
    "resync-lib.sh",
    "redis-start.sh",
    "redis-cli.sh",
    "redis-acl.sh",
    "redis-probe.sh",
    "redis-prestop.sh",
    "redis-rejoin.sh",
    "redis-watchdog.sh",
    "tls-reload.sh",
    "exporter-auth.sh",
] as const;
/** The node-tuning DaemonSet's script, inline in the DaemonSet (never in the scripts ConfigMap). */
export const NODE_TUNING_SCRIPT = "node-tuning.sh";
/** The sentinel topology's scripts, shipped only with it. */
export const SENTINEL_SCRIPTS = [
    "sentinel-start.sh",
    "sentinel-find-master.sh",
    "sentinel-role.sh",
    "sentinel-follow.sh",
    "acl-reload.sh",
    "sentinel-prestop.sh",
    "sentinel-probe.sh",
] as const;
export type RedisScript = (typeof REDIS_SCRIPTS)[number] | (typeof SENTINEL_SCRIPTS)[number];

export function loadRedisScripts(topology = "cluster"): Partial<Record<RedisScript, string>> {
    const names: RedisScript[] = [...REDIS_SCRIPTS, ...(topology === "sentinel" ? SENTINEL_SCRIPTS : [])];
    const out: Partial<Record<RedisScript, string>> = {};
    for (const name of names) out[name] = readPackageFile("components", "redis", "scripts", name);
    return out;
}
