// Pure decisions of a shard-count change: which new pods become masters, which masters keep
// slots, and the slot moves between them. The provider runs these on the live cluster; the
// preview runs them on the layout recorded at the last update, so both tell the same story.
import { parseRanges, SlotRange } from "./plan";
import { countSlots, planRebalance, SlotMove } from "./rebalance";
import type { Placed, RecordedShard } from "../types";

export interface MasterLoad {
    name: string;
    slots: SlotRange[];
    keys: number;
}

/**
 * New masters among pods that own nothing: pods that already have replicas first (a run that was
 * interrupted chose them), then hosts and zones holding the fewest masters, then name order.
 */
export function pickNewMasters(candidates: (Placed & { followed?: boolean })[], masters: Placed[], count: number): string[] {
    const hostLoad = new Map<string, number>();
    const zoneLoad = new Map<string, number>();
    const add = (p: Placed) => {
        if (p.host) hostLoad.set(p.host, (hostLoad.get(p.host) ?? 0) + 1);
        if (p.zone) zoneLoad.set(p.zone, (zoneLoad.get(p.zone) ?? 0) + 1);
    };
    masters.forEach(add);
    const chosen: string[] = [];
    const free = [...candidates].sort((a, b) => byOrdinal(a.name, b.name));
    while (chosen.length < count && free.length > 0) {
        const score = (p: Placed & { followed?: boolean }) => [
            p.followed ? 0 : 1,
            p.zone ? (zoneLoad.get(p.zone) ?? 0) : 0,
            p.host ? (hostLoad.get(p.host) ?? 0) : 0,
        ];
        let best = 0;
        for (let i = 1; i < free.length; i++) if (less(score(free[i]), score(free[best]))) best = i;
        const [pick] = free.splice(best, 1);
        chosen.push(pick.name);
        add(pick);
    }
    return chosen;
}

/** The masters that keep slots when the count shrinks: staying pods, the most slots first. */
export function pickStayingMasters(masters: MasterLoad[], staying: Set<string>, shards: number): string[] {
    return masters
        .filter((m) => staying.has(m.name))
        .sort((a, b) => countSlots(b.slots) - countSlots(a.slots) || byOrdinal(a.name, b.name))
        .slice(0, shards)
        .map((m) => m.name);
}

/** Keys a move is expected to carry: the source's keys in proportion to the slots it gives. */
export function estimateKeys(move: SlotMove, loads: MasterLoad[]): number {
    const source = loads.find((l) => l.name === move.from);
    if (!source || source.keys === 0) return 0;
    return Math.round((source.keys * countSlots(move.slots)) / Math.max(1, countSlots(source.slots)));
}

export function describeMoves(moves: SlotMove[], loads: MasterLoad[]): string[] {
    return moves.map((m) => {
        const n = countSlots(m.slots);
        const ranges = m.slots.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(",");
        return `${n} slot${n === 1 ? "" : "s"} ${ranges} from ${m.from} to ${m.to} (~${estimateKeys(m, loads)} keys)`;
    });
}

export interface ReshapePlan {
    newMasters: string[];
    /** Masters that lose their slots and their pods. */
    drained: string[];
    moves: SlotMove[];
    lines: string[];
}

/**
 * The preview's plan from the recorded layout: scale-out makes new masters of new pods, scale-in
 * keeps the masters on staying pods. The live run may differ after a failover moved a master.
 */
export function planReshape(layout: RecordedShard[], newNodes: Placed[], shards: number): ReshapePlan {
    const loads: MasterLoad[] = layout.map((s) => ({ name: s.master, slots: parseRanges(s.slots), keys: s.keys ?? 0 }));
    const known = new Set(layout.map((s) => s.master));
    const staying = new Set(newNodes.map((n) => n.name));
    let targets: string[];
    let newMasters: string[] = [];
    if (shards > layout.length) {
        const placed = (name: string) => newNodes.find((n) => n.name === name) ?? { name, host: "", zone: "" };
        // Pods that were replicas stay replicas; only pods new to the shape are candidates.
        const candidates = newNodes.filter((n) => !known.has(n.name) && !layout.some((s) => s.replicas?.includes(n.name)));
        newMasters = pickNewMasters(
            candidates,
            layout.map((s) => placed(s.master)),
            shards - layout.length,
        );
        targets = [...layout.map((s) => s.master), ...newMasters];
    } else {
        targets = pickStayingMasters(loads, staying, shards);
    }
    const moves = planRebalance(
        loads.map((l) => ({ id: l.name, slots: l.slots })),
        targets,
    );
    return {
        newMasters,
        drained: loads.map((l) => l.name).filter((n) => !targets.includes(n)),
        moves,
        lines: describeMoves(moves, loads),
    };
}

function less(a: number[], b: number[]): boolean {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

/** Pod names by ordinal ("redis-2" before "redis-10"). */
export function byOrdinal(a: string, b: string): number {
    const na = Number(/(\d+)$/.exec(a)?.[1] ?? NaN),
        nb = Number(/(\d+)$/.exec(b)?.[1] ?? NaN);
    if (a.replace(/\d+$/, "") === b.replace(/\d+$/, "") && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
}

export interface MemoryUse {
    name: string;
    slots: SlotRange[];
    usedBytes: number;
    datasetBytes: number;
}

/** Share of maxmemory a master may reach after a scale-in: room for writes, buffers and forks. */
export const SCALE_IN_MEMORY_LIMIT = 0.8;

/**
 * Why a set of moves would overfill its targets: each target's memory now plus the data it
 * receives (the source's dataset in proportion to the slots moved), against maxmemory.
 */
export function capacityProblems(use: MemoryUse[], moves: SlotMove[], maxmemoryBytes: number): string[] {
    if (maxmemoryBytes <= 0) return [];
    const limit = maxmemoryBytes * SCALE_IN_MEMORY_LIMIT;
    const projected = new Map<string, number>();
    for (const m of moves) {
        const source = use.find((u) => u.name === m.from);
        if (!source) continue;
        const share = (source.datasetBytes * countSlots(m.slots)) / Math.max(1, countSlots(source.slots));
        projected.set(m.to, (projected.get(m.to) ?? use.find((u) => u.name === m.to)?.usedBytes ?? 0) + share);
    }
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    return [...projected]
        .filter(([, bytes]) => bytes > limit)
        .map(
            ([name, bytes]) =>
                `${name} would hold about ${mib(bytes)} after the move, over ${SCALE_IN_MEMORY_LIMIT * 100}% of maxmemory ` +
                `(${mib(maxmemoryBytes)}, so at most ${mib(limit)})`,
        );
}
