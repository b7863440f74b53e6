// Scale-in, before any pod goes: the pods a smaller shape removes give up everything they hold.
// Masters among them hand their shard to a staying replica (a failover, no data moves) while the
// staying masters are too few; whatever they still own is migrated to the staying masters; and
// staying nodes that are not masters become replicas of the masters short of replicas. Only then
// may the StatefulSet shrink, which the component's resource ordering enforces.
import type Redis from "ioredis";
import type { FormationNode } from "../types";
import { FormationError } from "./formation-error";
import { waitForAgreement, waitForHealth } from "./formation";
import { inspectAll, Log, NodeState, reopenClosed, waitFor, whenLoaded } from "./redis-client";
import { countSlots, planRebalance } from "../plan/rebalance";
import { finishInterrupted, rebalance } from "./reshard";
import { byOrdinal, capacityProblems, pickStayingMasters } from "../plan/reshape";
import { isReplica, parseInfo } from "../plan/topology";
import { refuseUndrained } from "./slot-ownership";

export interface DrainOptions {
    password: string;
    shards: number;
    replicasPerShard: number;
    /** maxmemory of each master in bytes (0: unlimited, no capacity check). */
    maxmemoryBytes: number;
    convergeTimeoutMs?: number;
    log?: Log;
}

/** Redis gives up a manual failover after 5 s (CLUSTER_MF_TIMEOUT). */
const MANUAL_FAILOVER_RETRY_MS = 6000;

export interface DrainResult {
    leaving: string[];
    failovers: number;
    slotsMoved: number;
    keysMoved: number;
}

export async function drainLeaving(
    nodes: FormationNode[],
    leaving: string[],
    clients: Map<string, Redis>,
    opts: DrainOptions,
): Promise<DrainResult> {
    const log = opts.log ?? (() => undefined);
    const converge = opts.convergeTimeoutMs ?? 60000;
    const staying = new Set(nodes.map((n) => n.name).filter((n) => !leaving.includes(n)));
    const migration = { password: opts.password, log };
    await finishInterrupted(nodes, clients, migration);

    const failovers = await promoteStayingReplicas(nodes, clients, staying, opts.shards, converge, log);
    const states = await inspectAll(nodes, clients);
    const loads = states.filter((s) => s.myself.slots.length > 0).map((s) => ({ name: s.node.name, slots: s.myself.slots, keys: s.keys }));
    const targets = pickStayingMasters(loads, staying, opts.shards);
    if (targets.length < opts.shards) {
        throw new FormationError(
            `scale-in to ${opts.shards} shards needs ${opts.shards} masters on staying pods, but only ` +
                `${targets.length} are (${targets.join(", ") || "none"}) and no staying replica could take over a leaving master. ` +
                "Nothing was moved.",
        );
    }
    await refuseOverfill(states, clients, targets, opts);
    const reshard = await rebalance(nodes, clients, targets, migration);
    await reopenClosed(nodes, clients, opts.password, converge);
    if (reshard.moves.length > 0) await waitForAgreement(nodes, clients, converge, log);
    await regroupReplicas(nodes, clients, staying, targets, opts.replicasPerShard, log);
    await waitForHealth(nodes, clients, converge, log);
    await refuseUndrained(nodes, clients, staying);
    log(`drained ${leaving.join(", ")}: they own no slots and no staying node depends on them`);
    return { leaving, failovers, slotsMoved: reshard.slots, keysMoved: reshard.keys };
}

/**
 * While fewer staying pods are masters than the new shape needs, a leaving master with a staying,
 * linked replica hands over to it: CLUSTER FAILOVER waits for the replica to have every write.
 */
async function promoteStayingReplicas(
    nodes: FormationNode[],
    clients: Map<string, Redis>,
    staying: Set<string>,
    shards: number,
    timeoutMs: number,
    log: Log,
): Promise<number> {
    let done = 0;
    for (;;) {
        const states = await inspectAll(nodes, clients);
        const stayingMasters = states.filter((s) => staying.has(s.node.name) && s.myself.slots.length > 0);
        if (stayingMasters.length >= shards) return done;
        const leavingMasters = states
            .filter((s) => !staying.has(s.node.name) && s.myself.slots.length > 0)
            .sort((a, b) => countSlots(b.myself.slots) - countSlots(a.myself.slots));
        const pair = leavingMasters
            .map((m) => [m, states.find((r) => staying.has(r.node.name) && r.myself.masterId === m.id && r.masterLinkUp)] as const)
            .find(([, r]) => r !== undefined);
        if (!pair) return done;
        const [master, replica] = pair as [NodeState, NodeState];
        log(`${master.node.name} leaves the shape: handing its shard to its replica ${replica.node.name}`);
        // A manual failover the master does not acknowledge (it may not know this replica yet)
        // times out after 5 s without harm; ask again until it takes.
        let asked = 0;
        await waitFor(
            `${replica.node.name} to take over from ${master.node.name}`,
            timeoutMs,
            async () => {
                if (Date.now() - asked > MANUAL_FAILOVER_RETRY_MS) {
                    asked = Date.now();
                    await clients.get(replica.node.name)!.call("CLUSTER", "FAILOVER");
                }
                const s = await inspectAll([replica.node], clients);
                return s[0].myself.slots.length > 0 ? true : undefined;
            },
            100,
        );
        done++;
    }
}

async function refuseOverfill(states: NodeState[], clients: Map<string, Redis>, targets: string[], opts: DrainOptions): Promise<void> {
    const masters = states.filter((s) => s.myself.slots.length > 0);
    const use = await Promise.all(
        masters.map(async (s) => {
            const info = parseInfo((await clients.get(s.node.name)!.info("memory")) as string);
            return {
                name: s.node.name,
                slots: s.myself.slots,
                usedBytes: Number(info.used_memory ?? 0),
                datasetBytes: Number(info.used_memory_dataset ?? 0),
            };
        }),
    );
    const moves = planRebalance(
        masters.map((s) => ({ id: s.node.name, slots: s.myself.slots })),
        targets,
    );
    const problems = capacityProblems(use, moves, opts.maxmemoryBytes);
    if (problems.length === 0) return;
    const total = use.reduce((a, u) => a + u.datasetBytes, 0);
    throw new FormationError(
        `refusing to scale in to ${opts.shards} shards: ${problems.join("; ")}. The data is about ` +
            `${(total / 2 ** 20).toFixed(1)} MiB in all; keep more shards or raise maxmemory (and the memory limit) first. Nothing was moved.`,
    );
}

/**
 * Staying nodes that are not masters follow the masters short of replicas, keeping a replica
 * where it is when its master is one of the masters and still needs it.
 */
async function regroupReplicas(
    nodes: FormationNode[],
    clients: Map<string, Redis>,
    staying: Set<string>,
    targets: string[],
    perShard: number,
    log: Log,
): Promise<void> {
    const states = await inspectAll(nodes, clients);
    const idOf = new Map(states.map((s) => [s.node.name, s.id]));
    const count = new Map(targets.map((t) => [t, 0]));
    const nameOf = new Map(states.map((s) => [s.id, s.node.name]));
    const free: NodeState[] = [];
    const others = states
        .filter((s) => staying.has(s.node.name) && !targets.includes(s.node.name))
        .sort((a, b) => byOrdinal(a.node.name, b.node.name));
    for (const s of others) {
        const master = s.myself.masterId ? nameOf.get(s.myself.masterId) : undefined;
        if (isReplica(s.myself) && master && count.has(master) && count.get(master)! < perShard) count.set(master, count.get(master)! + 1);
        else free.push(s);
    }
    for (const s of free) {
        const target = [...count].sort((a, b) => a[1] - b[1] || byOrdinal(a[0], b[0]))[0][0];
        log(`${s.node.name} replicates ${target}`);
        await whenLoaded(() => clients.get(s.node.name)!.call("CLUSTER", "REPLICATE", idOf.get(target)!));
        count.set(target, count.get(target)! + 1);
    }
}
