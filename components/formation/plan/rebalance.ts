// Pure planning of resharding: which slots move from which master to which, so that the masters
// meant to hold slots end up within one slot of each other, moving as few slots as possible.
// Used both to execute a reshape and to describe it in the preview, so the two cannot disagree.
import { PlanError, SlotRange, SLOT_COUNT } from "./plan";

/** A master (by id or name) and the slots it owns now. */
export interface SlotOwner {
    id: string;
    slots: SlotRange[];
}
export interface SlotMove {
    from: string;
    to: string;
    slots: SlotRange[];
}

/**
 * How many slots each target should own: an even split of the owned slots, the remainder going to
 * the targets that own the most now (so they keep them instead of receiving and giving).
 */
export function balancedCounts(owners: SlotOwner[], targets: string[]): Map<string, number> {
    if (targets.length === 0) throw new PlanError("resharding needs at least one master to hold the slots");
    if (new Set(targets).size !== targets.length) throw new PlanError(`targets repeat a master: ${targets.join(", ")}`);
    const have = new Map(owners.map((o) => [o.id, countSlots(o.slots)]));
    const total = [...have.values()].reduce((a, b) => a + b, 0);
    const base = Math.floor(total / targets.length);
    const extra = total % targets.length;
    const byLoad = [...targets].sort((a, b) => (have.get(b) ?? 0) - (have.get(a) ?? 0) || targets.indexOf(a) - targets.indexOf(b));
    return new Map(byLoad.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
}

/**
 * Moves from `owners` to a balanced layout over `targets`; owners that are not targets give away
 * everything. Donors give their highest slots, so what each keeps stays contiguous where it was.
 */
export function planRebalance(owners: SlotOwner[], targets: string[]): SlotMove[] {
    rejectOverlaps(owners);
    const want = balancedCounts(owners, targets);
    const donors: { id: string; give: number[] }[] = [];
    const receivers: { id: string; need: number }[] = [];
    for (const id of new Set([...owners.map((o) => o.id), ...targets])) {
        const slots = expand(owners.find((o) => o.id === id)?.slots ?? []);
        const delta = slots.length - (want.get(id) ?? 0);
        if (delta > 0) donors.push({ id, give: slots.slice(slots.length - delta) });
        if (delta < 0) receivers.push({ id, need: -delta });
    }
    const moves: SlotMove[] = [];
    let r = 0;
    for (const donor of donors) {
        let i = 0;
        while (i < donor.give.length) {
            const receiver = receivers[r];
            const take = Math.min(receiver.need, donor.give.length - i);
            moves.push({ from: donor.id, to: receiver.id, slots: compress(donor.give.slice(i, i + take)) });
            i += take;
            receiver.need -= take;
            if (receiver.need === 0) r++;
        }
    }
    return moves;
}

/** True when every target is within one slot of the even split and nobody else owns a slot. */
export function isBalanced(owners: SlotOwner[], targets: string[]): boolean {
    return planRebalance(owners, targets).length === 0;
}

export function countSlots(ranges: SlotRange[]): number {
    return ranges.reduce((sum, r) => sum + (r.end - r.start + 1), 0);
}

export function expand(ranges: SlotRange[]): number[] {
    const out: number[] = [];
    for (const r of [...ranges].sort((a, b) => a.start - b.start)) for (let s = r.start; s <= r.end; s++) out.push(s);
    return out;
}

/** Sorted slot numbers back to ranges. */
export function compress(slots: number[]): SlotRange[] {
    const ranges: SlotRange[] = [];
    for (const s of [...slots].sort((a, b) => a - b)) {
        const last = ranges[ranges.length - 1];
        if (last && last.end === s - 1) last.end = s;
        else ranges.push({ start: s, end: s });
    }
    return ranges;
}

function rejectOverlaps(owners: SlotOwner[]): void {
    const seen = new Map<number, string>();
    for (const o of owners) {
        for (const s of expand(o.slots)) {
            if (s < 0 || s >= SLOT_COUNT) throw new PlanError(`${o.id} owns slot ${s}, outside 0-${SLOT_COUNT - 1}`);
            const other = seen.get(s);
            if (other !== undefined) throw new PlanError(`slot ${s} is owned by both ${other} and ${o.id}`);
            seen.set(s, o.id);
        }
    }
}
