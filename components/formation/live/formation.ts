// Turns a set of Redis nodes into a healthy cluster of the requested shape, or adopts the cluster
// they already form. Every step is idempotent, so a run interrupted anywhere is finished by the
// next. It never flushes, resets or reassigns a node that holds data.
import type Redis from "ioredis";
import { formatRanges, planCluster, SlotRange, SLOT_COUNT } from "../plan/plan";
import type { FormationNode, NodeAddress, ShardState, Shape } from "../types";
import { FormationError } from "./formation-error";
import { connectAll, inspect, inspectAll, Log, NodeState, waitFor } from "./redis-client";
import type { MigrationLimits, MigrationStats } from "../plan/migrate-batches";
import { finishInterrupted, rebalance } from "./reshard";
import { attachReplicas, designateMasters, toNodeInfo } from "./roles";
import { isFailed, isReplica } from "../plan/topology";
import { applyLiveConfig, FORMATION_NODE_TIMEOUT_MS, restoreLeftNodeTimeout, setNodeTimeout } from "./live-config";
import { refuseSlotsOutsideShape } from "./slot-ownership";

export interface FormationOptions {
    password: string;
    readyTimeoutMs: number;
    /** Bound on each convergence wait after the nodes answered. */
    convergeTimeoutMs?: number;
    /**
     * The deployment's cluster-node-timeout. Formation shortens it while slots are assigned and
     * restores it on every node when it ends, however it ends (and a rerun restores what an
     * interrupted run left shortened).
     */
    nodeTimeoutMs: number;
    /** Live-changeable redis.conf directives, applied with CONFIG SET where a node differs. */
    liveConfig?: Record<string, string>;
    /**
     * Restore: each shard's slot ranges as the backup's manifest records them, in shard order. The
     * pods that loaded a shard's RDB have claimed the slots of its keys at start (Redis does so for
     * keys in unassigned slots); each is given the rest of its shard's ranges.
     */
    restoreSlots?: SlotRange[][];
    /** Bounds on resharding's in-flight work (plan/migrate-batches.ts has the defaults). */
    migration?: Partial<MigrationLimits>;
    log?: Log;
}

export interface FormationResult {
    nodeIds: Record<string, string>;
    shards: ShardState[];
    /** Commands that changed something (0 when an existing healthy cluster was adopted). */
    changes: number;
    /** What this run's resharding moved and the most it had in flight at once. */
    migration?: MigrationStats;
}

export async function formCluster(nodes: FormationNode[], shape: Shape, opts: FormationOptions): Promise<FormationResult> {
    const log = opts.log ?? (() => undefined);
    const converge = opts.convergeTimeoutMs ?? 60000;
    log(`waiting for ${nodes.length} Redis nodes to answer`);
    const clients = await connectAll(nodes, opts.password, opts.readyTimeoutMs);
    try {
        let changes = 0;
        const client = (n: NodeAddress) => clients.get(n.name)!;
        const states = await inspectAll(nodes, clients);

        const migration = { password: opts.password, log, ...opts.migration };
        const forming = slotOwners(states).size < SLOT_COUNT;
        // Before any migration: a running cluster left at the short timeout by a killed run would
        // fail over at the first slow MIGRATE.
        changes += await restoreLeftNodeTimeout(clients, opts.nodeTimeoutMs, forming, log);
        changes += await finishInterrupted(nodes, clients, migration);
        const restoring = forming && opts.restoreSlots !== undefined;
        if (!restoring) refuseStrangersWithData(states);
        if (forming) {
            log(`shortening cluster-node-timeout to ${FORMATION_NODE_TIMEOUT_MS} ms while slots are assigned`);
            await setNodeTimeout(clients, FORMATION_NODE_TIMEOUT_MS);
        } else {
            // Nodes joining a running cluster: the same wait would hold them in cluster_state:fail
            // for up to 5 s after they meet it, before they can take slots. Only the newcomers:
            // the running cluster keeps its failure detection as configured.
            const joining = states.filter((s) => s.view.length === 1 && s.myself.slots.length === 0);
            await setNodeTimeout(new Map(joining.map((s) => [s.node.name, clients.get(s.node.name)!])), FORMATION_NODE_TIMEOUT_MS);
        }
        changes += restoring
            ? await assignRestoredSlots(opts.restoreSlots!, states, client, log)
            : await assignSlots(nodes, shape, states, client, log);
        changes += await meetAll(states, client, log);
        await waitForAgreement(nodes, clients, converge, log);
        changes += await forgetReplaced(nodes, clients, log);
        const masters = await designateMasters(nodes, shape, clients, log);
        changes += await attachReplicas(nodes, shape, clients, log, masters);
        await waitForHealth(nodes, clients, converge, log);
        await refuseSlotsOutsideShape(nodes, clients);
        const reshard = await rebalance(nodes, clients, masters, migration);
        if (reshard.moves.length > 0) {
            changes += reshard.moves.length;
            await waitForAgreement(nodes, clients, converge, log);
            await waitForHealth(nodes, clients, converge, log);
        }
        const live = { ...opts.liveConfig, "cluster-node-timeout": String(opts.nodeTimeoutMs) };
        changes += await applyLiveConfig(clients, live, forming ? undefined : log);
        const result = describeCluster(await inspectAll(nodes, clients));
        log(`cluster ok: ${result.shards.map((s) => `${s.master} [${s.slots}] <- ${s.replicas.join(", ") || "no replica"}`).join("; ")}`);
        return { ...result, changes, migration: reshard.stats };
    } finally {
        // Whatever failed above, the nodes keep the deployment's failure detection. A kill skips
        // this; the next run's restoreLeftNodeTimeout covers that.
        await setNodeTimeout(clients, opts.nodeTimeoutMs).catch((e) =>
            log(
                `could not restore cluster-node-timeout ${opts.nodeTimeoutMs} ms (${e instanceof Error ? e.message : e}); the next run restores it`,
            ),
        );
        for (const c of clients.values()) c.disconnect();
    }
}

/**
 * A node that holds keys but has joined no cluster came from elsewhere (another deployment, a
 * hand-made test): forming around it would orphan or overwrite its keys. Never wipe it.
 */
function refuseStrangersWithData(states: NodeState[]): void {
    const strangers = states.filter((s) => s.view.length === 1 && s.keys > 0);
    if (strangers.length > 0) {
        throw new FormationError(
            `refusing to form: ${strangers.map((s) => `${s.node.name} holds ${s.keys} keys`).join(", ")} ` +
                "but is not part of this cluster. Joining it would lose or overwrite those keys; move or delete them yourself " +
                "(or point the deployment at empty volumes) and run again.",
        );
    }
}

/** Slot owners as the nodes report them, merged over every node's view. */
function slotOwners(states: NodeState[]): Map<number, string> {
    const owners = new Map<number, string>();
    for (const s of states) {
        for (const v of s.view.filter((x) => !isFailed(x) || x.id === s.id)) {
            for (const r of v.slots) for (let slot = r.start; slot <= r.end; slot++) owners.set(slot, v.id);
        }
    }
    return owners;
}

/**
 * Fresh nodes get the planned slot ranges. When some slots are already owned (an interrupted
 * run, or an existing cluster), only ranges nobody owns go to planned masters that own nothing
 * and hold no data; anything else is a conflict to explain, not to guess at.
 */
async function assignSlots(
    nodes: FormationNode[],
    shape: Shape,
    states: NodeState[],
    client: (n: NodeAddress) => Redis,
    log: Log,
): Promise<number> {
    const owners = slotOwners(states);
    if (owners.size === SLOT_COUNT) return 0;
    const plan = planCluster(nodes.map(toNodeInfo), shape);
    plan.warnings.forEach((w) => log(`placement warning: ${w}`));
    let changes = 0;
    for (const [i, shard] of plan.shards.entries()) {
        const state = states.find((s) => s.node.name === shard.master)!;
        const mine = shard.slots.every((r) => everySlot(r, (slot) => owners.get(slot) === state.id));
        if (mine) continue;
        const taken = shard.slots.some((r) => !everySlot(r, (slot) => !owners.has(slot)));
        if (taken || state.myself.slots.length > 0 || state.keys > 0 || isReplica(state.myself)) {
            throw new FormationError(
                `cannot complete slot coverage: ${owners.size} of ${SLOT_COUNT} slots are owned, and the plan gives ` +
                    `${formatRanges(shard.slots)} to ${shard.master}, which ${taken ? "overlaps slots another node owns" : "already has a role or data"}. ` +
                    "Inspect with `redis-cli --cluster check` and fix the slot map by hand before running again.",
            );
        }
        log(`assigning slots ${formatRanges(shard.slots)} to ${shard.master}`);
        for (const r of shard.slots) await client(state.node).call("CLUSTER", "ADDSLOTSRANGE", r.start, r.end);
        if (state.configEpoch === 0 && state.view.length === 1) {
            // Distinct epochs so that no two masters start in a config-epoch collision.
            await client(state.node)
                .call("CLUSTER", "SET-CONFIG-EPOCH", i + 1)
                .catch(() => undefined);
        }
        changes++;
    }
    return changes;
}

/**
 * Restore: shard i's master is the node that holds (and so has claimed) slots of shard i's
 * ranges, or, for a shard whose backup held no key, an empty node; it gets every slot of those
 * ranges it does not own yet. A node owning slots of two shards, or slots no shard names, is a
 * backup that does not match the manifest: refused, not guessed at.
 */
async function assignRestoredSlots(
    shards: SlotRange[][],
    states: NodeState[],
    client: (n: NodeAddress) => Redis,
    log: Log,
): Promise<number> {
    const shardOf = new Map<number, number>();
    shards.forEach((ranges, i) =>
        ranges.forEach((r) => {
            for (let slot = r.start; slot <= r.end; slot++) shardOf.set(slot, i);
        }),
    );
    if (shardOf.size !== SLOT_COUNT)
        throw new FormationError(`restore: the manifest's slot ranges cover ${shardOf.size} of ${SLOT_COUNT} slots`);
    const holders = new Map<number, NodeState>();
    for (const s of states) {
        const owned = new Set<number>();
        for (const r of s.myself.slots) for (let slot = r.start; slot <= r.end; slot++) owned.add(shardOf.get(slot)!);
        if (owned.size > 1)
            throw new FormationError(
                `restore: ${s.node.name} holds keys of shards ${[...owned].join(" and ")}; it did not load one shard's backup`,
            );
        const [shard] = [...owned];
        if (shard === undefined) continue;
        if (holders.has(shard))
            throw new FormationError(`restore: ${holders.get(shard)!.node.name} and ${s.node.name} both hold keys of shard ${shard}`);
        holders.set(shard, s);
    }
    const empty = states.filter((s) => s.myself.slots.length === 0 && s.keys === 0 && !isReplica(s.myself));
    let changes = 0;
    for (const [i, ranges] of shards.entries()) {
        const master = holders.get(i) ?? empty.shift();
        if (!master) throw new FormationError(`restore: no node holds shard ${i}'s keys and no empty node is left to own its slots`);
        const owned = new Set<number>();
        for (const r of master.myself.slots) for (let slot = r.start; slot <= r.end; slot++) owned.add(slot);
        const missing = ranges.flatMap((r) => freeRuns(r, owned));
        if (missing.length > 0) {
            log(`restore: ${master.node.name} holds shard ${i}; assigning the rest of its slots ${formatRanges(ranges)}`);
            for (const r of missing) await client(master.node).call("CLUSTER", "ADDSLOTSRANGE", r.start, r.end);
            changes++;
        }
        if (master.configEpoch === 0 && master.view.length === 1) {
            await client(master.node)
                .call("CLUSTER", "SET-CONFIG-EPOCH", i + 1)
                .catch(() => undefined);
        }
    }
    return changes;
}

/** The runs of `r` not in `owned`. */
function freeRuns(r: SlotRange, owned: Set<number>): SlotRange[] {
    const runs: SlotRange[] = [];
    for (let slot = r.start; slot <= r.end; slot++) {
        if (owned.has(slot)) continue;
        const last = runs[runs.length - 1];
        if (last && last.end === slot - 1) last.end = slot;
        else runs.push({ start: slot, end: slot });
    }
    return runs;
}

function everySlot(r: SlotRange, test: (slot: number) => boolean): boolean {
    for (let slot = r.start; slot <= r.end; slot++) if (!test(slot)) return false;
    return true;
}

/**
 * Every node meets every node it does not know yet. Meeting only one anchor would leave the rest
 * to gossip, which takes seconds; direct handshakes converge within a few cluster-cron ticks.
 * Meeting a known node is never sent, so an adopted cluster sees no command.
 */
async function meetAll(states: NodeState[], client: (n: NodeAddress) => Redis, log: Log): Promise<number> {
    const fresh = await Promise.all(states.map((s) => inspect(s.node, client(s.node))));
    const meets = fresh.flatMap((a) => fresh.filter((b) => b !== a && !a.view.some((v) => v.id === b.id)).map((b) => [a, b] as const));
    if (meets.length === 0) return 0;
    const strangers = new Set(meets.map(([a]) => a.node.name));
    log(`introducing ${[...strangers].join(", ")} to each other (${meets.length} meetings)`);
    await Promise.all(meets.map(([a, b]) => client(a.node).call("CLUSTER", "MEET", b.node.ip, b.node.port)));
    return meets.length;
}

/** Every node knows every other and all report the same slot owner for every slot. */
export async function waitForAgreement(nodes: NodeAddress[], clients: Map<string, Redis>, timeoutMs: number, log: Log): Promise<void> {
    log("waiting for the nodes to agree on the slot map");
    await waitFor("every node to know every other node and agree on the slot map", timeoutMs, async () => {
        const states = await inspectAll(nodes, clients);
        const ids = new Set(states.map((s) => s.id));
        const complete = states.every((s) => [...ids].every((id) => s.view.some((v) => v.id === id && !v.flags.includes("handshake"))));
        const signature = (s: NodeState) =>
            s.view
                .filter((v) => ids.has(v.id) && v.slots.length > 0)
                .map((v) => `${v.id}:${formatRanges(v.slots)}`)
                .sort()
                .join("|");
        const sigs = new Set(states.map(signature));
        return complete && sigs.size === 1 ? true : undefined;
    });
}

/**
 * A node that came back with an empty volume has a new id at an old address; the old id stays
 * in every node's table as failed. Forget it, or the cluster keeps counting a master that is gone.
 */
async function forgetReplaced(nodes: NodeAddress[], clients: Map<string, Redis>, log: Log): Promise<number> {
    const states = await inspectAll(nodes, clients);
    const live = new Map(states.map((s) => [s.myself.address, s.id]));
    const stale = new Set<string>();
    for (const s of states) {
        for (const v of s.view) {
            if (isFailed(v) && live.has(v.address) && live.get(v.address) !== v.id && v.slots.length === 0) stale.add(v.id);
        }
    }
    for (const id of stale) {
        log(`forgetting node ${id.slice(0, 8)}, replaced by a new node at the same address`);
        await Promise.all(
            states.map((s) =>
                clients
                    .get(s.node.name)!
                    .call("CLUSTER", "FORGET", id)
                    .catch(() => undefined),
            ),
        );
    }
    return stale.size;
}

export async function waitForHealth(nodes: NodeAddress[], clients: Map<string, Redis>, timeoutMs: number, log: Log): Promise<void> {
    log("waiting for cluster_state:ok on every node and every replica's link");
    await waitFor("cluster_state:ok on every node with every replica's master link up", timeoutMs, async () => {
        const states = await inspectAll(nodes, clients);
        const ok = states.every((s) => s.clusterState === "ok" && (!isReplica(s.myself) || s.masterLinkUp));
        return ok ? true : undefined;
    });
}

/** The cluster as the nodes report it: shards in slot order, with their replicas. */
export function describeCluster(states: NodeState[]): Omit<FormationResult, "changes"> {
    const nameOf = new Map(states.map((s) => [s.id, s.node.name]));
    const shards = states
        .filter((s) => s.myself.slots.length > 0)
        .sort((a, b) => a.myself.slots[0].start - b.myself.slots[0].start)
        .map((m) => {
            const replicas = states.filter((s) => s.myself.masterId === m.id);
            return {
                master: m.node.name,
                masterId: m.id,
                replicas: replicas.map((r) => r.node.name),
                replicaIds: replicas.map((r) => r.id),
                slots: formatRanges(m.myself.slots),
                keys: m.keys,
            };
        });
    return { nodeIds: Object.fromEntries([...nameOf].map(([id, name]) => [name, id])), shards };
}
