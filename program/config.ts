// Stack config -> RedisClusterArgs. Each top-level setting is one config key of the project
// namespace (`redis-cluster:shards`, `redis-cluster:resources`, ...); structured values arrive
// from Pulumi as JSON text. Keys of other namespaces (kubernetes:, aws:) are not ours.
import type { RedisClusterArgs } from "../components/settings/args";

export const PROJECT = "redis-cluster";

/** Turns Pulumi's flat config map (all values strings) into component args. */
export function argsFromConfig(config: Record<string, string>, project = PROJECT): RedisClusterArgs {
    const prefix = `${project}:`;
    const args: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(config)) {
        if (!key.startsWith(prefix)) continue;
        const value = parseValue(raw);
        // Pulumi.yaml declares each section with an empty value; empty means "all defaults".
        if (isEmptyObject(value)) continue;
        args[key.slice(prefix.length)] = value;
    }
    return args as RedisClusterArgs;
}

/** Pulumi hands every value over as text: numbers, booleans and objects are JSON, strings are themselves. */
function parseValue(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

function isEmptyObject(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}
