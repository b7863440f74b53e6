// Settings formation changes on running nodes with CONFIG SET, never a restart: the live
// redis.conf directives, and the short cluster-node-timeout it holds while slots are assigned.
import type Redis from "ioredis";
import type { Log } from "./redis-client";
import { parseRedisSize } from "../../settings/formats";

/**
 * Node timeout while slots are first assigned. A master whose cluster turns ok waits one node
 * timeout (at most 5 s) since it last saw itself in a minority, which every node alone does:
 * that guards a master returning from a partition with stale slots, and guards nothing while a
 * cluster of empty nodes is being formed.
 */
export const FORMATION_NODE_TIMEOUT_MS = 500;

/**
 * A run killed while slots were assigned leaves nodes at FORMATION_NODE_TIMEOUT_MS. Found on the
 * next run, it is named and, on a cluster that is already complete, restored at once; a cluster
 * still being formed keeps it short until its slots are assigned (the finally restores it).
 */
export async function restoreLeftNodeTimeout(
    clients: Map<string, Redis>,
    nodeTimeoutMs: number,
    forming: boolean,
    log: Log,
): Promise<number> {
    if (nodeTimeoutMs === FORMATION_NODE_TIMEOUT_MS) return 0;
    const current = await Promise.all(
        [...clients.entries()].map(
            async ([name, c]) => [name, Number(((await c.config("GET", "cluster-node-timeout")) as string[])[1])] as const,
        ),
    );
    const left = current
        .filter(([, ms]) => ms === FORMATION_NODE_TIMEOUT_MS)
        .map(([name]) => name)
        .sort();
    if (left.length === 0) return 0;
    log(
        `cluster-node-timeout is ${FORMATION_NODE_TIMEOUT_MS} ms on ${left.join(", ")}, left by an interrupted formation; ` +
            (forming ? "it is restored to the configured value once slots are assigned" : `restoring ${nodeTimeoutMs} ms`),
    );
    if (forming) return 0;
    return setNodeTimeout(new Map(left.map((name) => [name, clients.get(name)!])), nodeTimeoutMs);
}

export async function setNodeTimeout(clients: Map<string, Redis>, ms: number): Promise<number> {
    return applyLiveConfig(clients, { "cluster-node-timeout": String(ms) });
}

/** CONFIG SET of each directive on each node where it differs; returns how many were set. */
export async function applyLiveConfig(clients: Map<string, Redis>, config: Record<string, string>, log?: Log): Promise<number> {
    let changed = 0;
    await Promise.all(
        [...clients.entries()].map(async ([name, c]) => {
            for (const [key, want] of Object.entries(config)) {
                const [, current] = (await c.config("GET", key)) as string[];
                if (sameConfigValue(want, current)) continue;
                log?.(`${name}: ${key} ${JSON.stringify(current)} -> ${JSON.stringify(want)} (CONFIG SET, no restart)`);
                await c.config("SET", key, want);
                changed++;
            }
        }),
    );
    return changed;
}

/** Redis answers CONFIG GET in its own units ("6gb" reads back as bytes). */
export function sameConfigValue(want: string, current: string): boolean {
    if (want === current) return true;
    const a = parseRedisSize(want);
    const b = parseRedisSize(current);
    return a !== undefined && a === b;
}
