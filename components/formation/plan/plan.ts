// Pure layout planning for Redis Cluster formation: which pods become masters, which pod replicates
// which master, and which hash slots each shard owns. No I/O, so it can be property-tested in depth.

import type { NodeInfo, Shape } from "../types";

export const SLOT_COUNT = 16384;

/** Inclusive bounds. */
export interface SlotRange {
    start: number;
    end: number;
}
/** Node names. */
export interface ShardPlan {
    master: string;
    replicas: string[];
    slots: SlotRange[];
}
export interface ClusterPlan {
    shards: ShardPlan[];
    warnings: string[];
}

export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

/** One contiguous range per shard; the first SLOT_COUNT % shards ranges get the extra slot. */
export function splitSlots(shards: number): SlotRange[] {
    if (!Number.isInteger(shards) || shards < 1 || shards > SLOT_COUNT) {
        throw new PlanError(`shards must be a whole number from 1 to ${SLOT_COUNT} (each shard needs at least one slot), got ${shards}`);
    }
    const base = Math.floor(SLOT_COUNT / shards);
    const extra = SLOT_COUNT % shards;
    const ranges: SlotRange[] = [];
    for (let i = 0, start = 0; i < shards; i++) {
        const size = base + (i < extra ? 1 : 0);
        ranges.push({ start, end: start + size - 1 });
        start += size;
    }
    return ranges;
}

export function slotCount(ranges: SlotRange[]): number {
    return ranges.reduce((sum, r) => sum + (r.end - r.start + 1), 0);
}

/** Same notation as CLUSTER ADDSLOTSRANGE logs: "0-5460,10000". */
export function formatRanges(ranges: SlotRange[]): string {
    return ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(",");
}

/** Inverse of formatRanges: "0-5460,10000" (CLUSTER NODES separates with spaces; both are read). */
export function parseRanges(text: string): SlotRange[] {
    const ranges = text
        .split(/[\s,]+/)
        .filter((t) => t !== "")
        .map((t) => {
            const m = /^(\d+)(?:-(\d+))?$/.exec(t);
            const range = m && { start: Number(m[1]), end: Number(m[2] ?? m[1]) };
            if (!range || range.start > range.end || range.end >= SLOT_COUNT)
                throw new PlanError(`"${t}" is not a slot range (0-${SLOT_COUNT - 1})`);
            return range;
        });
    return ranges;
}

export function planCluster(nodes: NodeInfo[], shape: Shape): ClusterPlan {
    const { shards, replicasPerShard: replicas } = shape;
    if (!Number.isInteger(shards) || shards < 1 || shards > SLOT_COUNT) {
        throw new PlanError(`shards must be a whole number from 1 to ${SLOT_COUNT}, got ${shards}`);
    }
    if (!Number.isInteger(replicas) || replicas < 0) {
        throw new PlanError(`replicasPerShard must be a whole number >= 0, got ${replicas}`);
    }
    const needed = shards * (1 + replicas);
    if (nodes.length !== needed) {
        throw new PlanError(
            `${shards} shard(s) x (1 master + ${replicas} replica(s)) needs exactly ${needed} Redis nodes, but ${nodes.length} ` +
                `were given; scale the StatefulSet to ${needed} pods or change shards/replicasPerShard`,
        );
    }
    rejectDuplicates(nodes, "name");
    rejectDuplicates(nodes, "address");

    // Sorting first makes every later tie-break, and so the whole plan, independent of input order.
    const sorted = [...nodes].sort((a, b) => naturalCompare(a.name, b.name));
    const zoneAware = new Set(sorted.map((n) => n.zone).filter((z) => z !== "")).size >= 2;
    const masters = pickMasters(sorted, shards, replicas, zoneAware).sort((a, b) => naturalCompare(a.name, b.name));
    const isMaster = new Set(masters);
    const byMaster = assignReplicas(
        sorted.filter((n) => !isMaster.has(n)),
        masters,
        replicas,
        zoneAware,
    );

    const slots = splitSlots(shards);
    const warnings: string[] = [];
    const plans = masters.map((master, i): ShardPlan => {
        for (const r of byMaster[i]) {
            if (r.host === master.host) {
                warnings.push(
                    `replica ${r.name} shares host ${r.host} with its master ${master.name}; losing that host loses the whole shard`,
                );
            }
            if (zoneAware && r.zone !== "" && r.zone === master.zone) {
                warnings.push(
                    `replica ${r.name} shares zone ${r.zone} with its master ${master.name}; losing that zone loses the whole shard`,
                );
            }
        }
        return { master: master.name, replicas: byMaster[i].map((r) => r.name), slots: [slots[i]] };
    });
    return { shards: plans, warnings };
}

function rejectDuplicates(nodes: NodeInfo[], field: "name" | "address"): void {
    const seen = new Map<string, string>();
    for (const n of nodes) {
        const other = seen.get(n[field]);
        if (other !== undefined) {
            throw new PlanError(
                `nodes ${other} and ${n.name} have the same ${field} "${n[field]}"; every pod must appear once with its own ${field}`,
            );
        }
        seen.set(n[field], n.name);
    }
}

/** "redis-2" < "redis-10"; plain code-point order elsewhere so the result does not depend on the locale. */
function naturalCompare(a: string, b: string): number {
    const pa = a.match(/\d+|\D+/g) ?? [];
    const pb = b.match(/\d+|\D+/g) ?? [];
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
        const x = pa[i],
            y = pb[i];
        if (x === y) continue;
        if (/^\d/.test(x) && /^\d/.test(y)) {
            // Compare digit strings by length then text: exact for numbers beyond 2^53.
            const nx = x.replace(/^0+/, ""),
                ny = y.replace(/^0+/, "");
            if (nx.length !== ny.length) return nx.length - ny.length;
            if (nx !== ny) return nx < ny ? -1 : 1;
        }
        return x < y ? -1 : 1;
    }
    return pa.length - pb.length;
}

/**
 * Chooses masters one at a time. Within a conflict class (a host, or a zone) of n pods holding m masters,
 * n - m replicas need foreign masters and the m masters need R foreign replicas each; by Hall's theorem
 * the replicas can avoid their masters' class iff n + (R-1)m <= R*S for every class, and otherwise the
 * excess is exactly the number of unavoidable violations. Picking the smallest increase of that excess
 * (a separable convex cost) is optimal for hosts; zones come second and only then the even spread.
 * Assumes each host sits in one zone (a Kubernetes node label), so hosts and zones partition the pods.
 */
function pickMasters(sorted: NodeInfo[], shards: number, replicas: number, zoneAware: boolean): NodeInfo[] {
    if (replicas === 0) return [...sorted];
    const size = (key: "host" | "zone") => {
        const counts = new Map<string, number>();
        for (const n of sorted) counts.set(n[key], (counts.get(n[key]) ?? 0) + 1);
        return counts;
    };
    const hostSize = size("host"),
        zoneSize = size("zone");
    const hostMasters = new Map<string, number>(),
        zoneMasters = new Map<string, number>();
    const excess = (n: number, m: number) => Math.max(0, n + (replicas - 1) * m - replicas * shards);
    const growth = (n: number, m: number) => excess(n, m + 1) - excess(n, m);

    const chosen: NodeInfo[] = [];
    const free = new Set(sorted);
    while (chosen.length < shards) {
        let best: NodeInfo | undefined;
        let bestKey: number[] = [];
        for (const n of free) {
            const mh = hostMasters.get(n.host) ?? 0,
                mz = zoneMasters.get(n.zone) ?? 0;
            const key = [
                growth(hostSize.get(n.host)!, mh),
                zoneAware && n.zone !== "" ? growth(zoneSize.get(n.zone)!, mz) : 0,
                mz, // fewest masters lost with any one zone...
                mh, // ...then with any one host
            ];
            if (best === undefined || lexLess(key, bestKey)) [best, bestKey] = [n, key];
        }
        chosen.push(best!);
        free.delete(best!);
        hostMasters.set(best!.host, (hostMasters.get(best!.host) ?? 0) + 1);
        zoneMasters.set(best!.zone, (zoneMasters.get(best!.zone) ?? 0) + 1);
    }
    return chosen;
}

function lexLess(a: number[], b: number[]): boolean {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

/**
 * Min-cost flow from replica groups to masters. Costs are tiered so one shared host outweighs any number
 * of shared zones, which outweigh any amount of the soft penalty for stacking a master's replicas on one
 * host (the k-th replica of a group on the same master costs k, a convex cost the flow fills in order).
 */
function assignReplicas(replicas: NodeInfo[], masters: NodeInfo[], perMaster: number, zoneAware: boolean): NodeInfo[][] {
    // Pods on the same host and zone are interchangeable here, so the graph is per group, not per pod.
    const groupsByKey = new Map<string, NodeInfo[]>();
    for (const r of replicas) {
        const key = `${r.host}\u0000${r.zone}`;
        const group = groupsByKey.get(key);
        if (group) group.push(r);
        else groupsByKey.set(key, [r]);
    }
    const groups = [...groupsByKey.values()];
    const zoneCost = replicas.length * perMaster + 1;
    const hostCost = zoneCost * (replicas.length + 1);

    const source = 0,
        sink = 1,
        groupNode = (g: number) => 2 + g,
        masterNode = (m: number) => 2 + groups.length + m;
    const edges: Edge[] = [];
    const pairEdges: Array<{ g: number; m: number; edge: number }> = [];
    groups.forEach((pods, g) => edges.push({ from: source, to: groupNode(g), cap: pods.length, cost: 0 }));
    masters.forEach((master, m) => {
        edges.push({ from: masterNode(m), to: sink, cap: perMaster, cost: 0 });
        groups.forEach(([pod], g) => {
            const clash =
                (pod.host === master.host ? hostCost : 0) + (zoneAware && pod.zone !== "" && pod.zone === master.zone ? zoneCost : 0);
            for (let k = 0; k < Math.min(perMaster, groups[g].length); k++) {
                pairEdges.push({ g, m, edge: edges.length });
                edges.push({ from: groupNode(g), to: masterNode(m), cap: 1, cost: clash + k });
            }
        });
    });
    const flow = minCostFlow(2 + groups.length + masters.length, edges, source, sink);

    const result: NodeInfo[][] = masters.map(() => []);
    const next = groups.map(() => 0);
    for (const { g, m, edge } of pairEdges) {
        if (flow[edge] > 0) result[m].push(groups[g][next[g]++]);
    }
    return result.map((rs) => rs.sort((a, b) => naturalCompare(a.name, b.name)));
}

interface Edge {
    from: number;
    to: number;
    cap: number;
    cost: number;
}

/** Successive shortest paths (SPFA); costs start non-negative so the residual graph never has negative cycles. */
function minCostFlow(nodeCount: number, edges: Edge[], source: number, sink: number): number[] {
    const head = new Array<number>(nodeCount).fill(-1);
    const to: number[] = [],
        cap: number[] = [],
        cost: number[] = [],
        next: number[] = [];
    const arc = (u: number, v: number, c: number, w: number) => {
        to.push(v);
        cap.push(c);
        cost.push(w);
        next.push(head[u]);
        head[u] = to.length - 1;
    };
    for (const e of edges) {
        arc(e.from, e.to, e.cap, e.cost);
        arc(e.to, e.from, 0, -e.cost);
    }
    for (;;) {
        const dist = new Array<number>(nodeCount).fill(Infinity);
        const via = new Array<number>(nodeCount).fill(-1);
        const queued = new Array<boolean>(nodeCount).fill(false);
        const queue = [source];
        dist[source] = 0;
        for (let qi = 0; qi < queue.length; qi++) {
            const u = queue[qi];
            queued[u] = false;
            for (let e = head[u]; e !== -1; e = next[e]) {
                if (cap[e] > 0 && dist[u] + cost[e] < dist[to[e]]) {
                    dist[to[e]] = dist[u] + cost[e];
                    via[to[e]] = e;
                    if (!queued[to[e]]) {
                        queued[to[e]] = true;
                        queue.push(to[e]);
                    }
                }
            }
        }
        if (dist[sink] === Infinity) break;
        let push = Infinity;
        for (let v = sink; v !== source; v = to[via[v] ^ 1]) push = Math.min(push, cap[via[v]]);
        for (let v = sink; v !== source; v = to[via[v] ^ 1]) {
            cap[via[v]] -= push;
            cap[via[v] ^ 1] += push;
        }
    }
    return edges.map((_, i) => cap[2 * i + 1]);
}
