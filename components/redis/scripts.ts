import { readPackageFile } from "../package-files";

/** The container scripts shipped in the scripts ConfigMap, by file name. */
export const REDIS_SCRIPTS = ["redis-start.sh", "redis-acl.sh", "redis-probe.sh", "redis-prestop.sh", "redis-rejoin.sh", "redis-watchdog.sh", "system-init.sh"] as const;
export type RedisScript = (typeof REDIS_SCRIPTS)[number];

export function loadRedisScripts(): Record<RedisScript, string> {
    const out = {} as Record<RedisScript, string>;
    for (const name of REDIS_SCRIPTS) out[name] = readPackageFile("components", "redis", "scripts", name);
    return out;
}
