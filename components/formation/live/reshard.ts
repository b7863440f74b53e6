// Resharding a live cluster: finish what an interrupted run left open, then move slots until the
// chosen masters are balanced. Planning is pure (rebalance.ts); this file runs the plan.
import type Redis from "ioredis";
import { finishOpenSlots, Master, MigrationOptions, moveSlots } from "./migrate";
import { emptyStats, MigrationStats } from "../plan/migrate-batches";
import type { NodeAddress } from "../types";
import { inspectAll, NodeState } from "./redis-client";
import { formatRanges } from "../plan/plan";
import { countSlots, expand, planRebalance, SlotMove } from "../plan/rebalance";
import { isReplica } from "../plan/topology";

export interface ReshardResult {
    moves: SlotMove[];
    keys: number;
    slots: number;
    ms: number;
    stats: MigrationStats;
}

export function mastersOf(states: NodeState[], clients: Map<string, Redis>): Master[] {
    return states.map((s) => ({ name: s.node.name, id: s.id, ip: s.node.ip, port: s.node.port, client: clients.get(s.node.name)! }));
}

/**
 * Finishes slots an interrupted run left MIGRATING or IMPORTING; returns how many. Only the
 * masters' own states count: Valkey 8 replicates CLUSTER SETSLOT to replicas, so a replica's
 * line mirrors its master's open slots, and it refuses SETSLOT itself ("Please use SETSLOT only
 * with masters"). Finishing on the master clears the replica's copy with it.
 */
export async function finishInterrupted(nodes: NodeAddress[], clients: Map<string, Redis>, opts: MigrationOptions): Promise<number> {
    const masters = (await inspectAll(nodes, clients)).filter((s) => !isReplica(s.myself));
    return finishOpenSlots(
        mastersOf(masters, clients),
        masters.map((s) => s.myself),
        opts,
    );
}

/**
 * Moves slots so that exactly `targets` (node names) own them, evenly. Moves from different
 * sources run at once; each is pipelined inside (migrate.ts).
 */
export async function rebalance(
    nodes: NodeAddress[],
    clients: Map<string, Redis>,
    targets: string[],
    opts: MigrationOptions,
): Promise<ReshardResult> {
    const started = Date.now();
    const states = await inspectAll(nodes, clients);
    const masters = mastersOf(states, clients);
    const byName = new Map(masters.map((m) => [m.name, m]));
    const owners = states.filter((s) => s.myself.slots.length > 0).map((s) => ({ id: s.node.name, slots: s.myself.slots }));
    const moves = planRebalance(owners, targets);
    const stats = opts.stats ?? emptyStats();
    if (moves.length === 0) return { moves, keys: 0, slots: 0, ms: Date.now() - started, stats };
    const log = opts.log ?? (() => undefined);
    for (const m of moves) log(`moving ${countSlots(m.slots)} slots ${formatRanges(m.slots)} from ${m.from} to ${m.to}`);
    const bySource = new Map<string, SlotMove[]>();
    for (const m of moves) bySource.set(m.from, [...(bySource.get(m.from) ?? []), m]);
    const keys = await Promise.all(
        [...bySource.values()].map(async (list) => {
            let n = 0;
            for (const m of list)
                n += await moveSlots(byName.get(m.from)!, byName.get(m.to)!, expand(m.slots), masters, { ...opts, stats });
            return n;
        }),
    );
    const total = keys.reduce((a, b) => a + b, 0);
    const slots = moves.reduce((a, m) => a + countSlots(m.slots), 0);
    const ms = Date.now() - started;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    log(
        `moved ${slots} slots and ${total} keys (${mb(stats.bytes)} MB in ${stats.batches} MIGRATEs) in ${(ms / 1000).toFixed(1)} s; ` +
            `at most ${stats.maxInFlightCommands} MIGRATEs and ${mb(stats.maxInFlightBytes)} MB in flight on one source`,
    );
    return { moves, keys: total, slots, ms, stats };
}
