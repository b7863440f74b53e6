import * as assert from "assert";
import fc from "fast-check";
import { splitSlots, SLOT_COUNT, SlotRange } from "../../components/formation/plan/plan";
import { parseRanges } from "../../components/formation/plan/plan";
import { balancedCounts, compress, countSlots, expand, planRebalance, SlotOwner } from "../../components/formation/plan/rebalance";
import { capacityProblems, pickNewMasters, pickStayingMasters, planReshape } from "../../components/formation/plan/reshape";
import { describeChange, describeDrain } from "../../components/formation/plan/change";

/** Applies moves to an owner map, failing on any move of a slot its source does not own. */
function apply(owners: SlotOwner[], moves: ReturnType<typeof planRebalance>): Map<string, number[]> {
    const map = new Map<string, Set<number>>(owners.map((o) => [o.id, new Set(expand(o.slots))]));
    for (const m of moves) {
        const from = map.get(m.from)!;
        if (!map.has(m.to)) map.set(m.to, new Set());
        for (const s of expand(m.slots)) {
            assert.ok(from.has(s), `${m.from} gives slot ${s} it does not own`);
            from.delete(s);
            map.get(m.to)!.add(s);
        }
    }
    return new Map([...map].map(([k, v]) => [k, [...v]]));
}

/** Random layouts: the 16384 slots cut at random points and dealt to random masters. */
const layouts = fc
    .record({
        masters: fc.integer({ min: 1, max: 12 }),
        cuts: fc.uniqueArray(fc.integer({ min: 1, max: SLOT_COUNT - 1 }), { maxLength: 40 }),
        deal: fc.array(fc.nat(), { minLength: 41, maxLength: 41 }),
    })
    .map(({ masters, cuts, deal }) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), SLOT_COUNT];
        const owned = new Map<string, SlotRange[]>();
        for (let i = 0; i + 1 < bounds.length; i++) {
            const id = `m${deal[i] % masters}`;
            owned.set(id, [...(owned.get(id) ?? []), { start: bounds[i], end: bounds[i + 1] - 1 }]);
        }
        return [...owned].map(([id, slots]) => ({ id, slots: compress(expand(slots)) }));
    });

describe("rebalance planner (pure)", () => {
    it("any layout to any set of targets: every slot owned once, targets within one slot, others empty, minimal moves", () => {
        fc.assert(
            fc.property(layouts, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 12 }), (owners, fresh, pickBits) => {
                const existing = owners.map((o) => o.id);
                const kept = existing.filter((_, i) => (pickBits >> i) & 1);
                const targets = [...kept, ...Array.from({ length: fresh }, (_, i) => `new${i}`)];
                if (targets.length === 0) return;
                const moves = planRebalance(owners, targets);
                const after = apply(owners, moves);
                const all = [...after.values()].flat().sort((a, b) => a - b);
                assert.deepStrictEqual(
                    all,
                    Array.from({ length: SLOT_COUNT }, (_, i) => i),
                );
                const base = Math.floor(SLOT_COUNT / targets.length);
                for (const [id, slots] of after) {
                    if (targets.includes(id)) assert.ok(slots.length === base || slots.length === base + 1, `${id} has ${slots.length}`);
                    else assert.strictEqual(slots.length, 0, `${id} is not a target but keeps ${slots.length}`);
                }
                // Optimal: nothing moves that the balanced counts do not force.
                const want = balancedCounts(owners, targets);
                const forced = owners.reduce((sum, o) => sum + Math.max(0, countSlots(o.slots) - (want.get(o.id) ?? 0)), 0);
                assert.strictEqual(
                    moves.reduce((sum, m) => sum + countSlots(m.slots), 0),
                    forced,
                );
                const givers = new Set(moves.map((m) => m.from));
                assert.ok(
                    moves.every((m) => !givers.has(m.to)),
                    "a master both gives and receives",
                );
            }),
            { numRuns: 300 },
        );
    });

    it("a balanced cluster moves nothing, and a rebalanced one is balanced", () => {
        const owners = splitSlots(3).map((r, i) => ({ id: `redis-${i}`, slots: [r] }));
        assert.deepStrictEqual(planRebalance(owners, ["redis-0", "redis-1", "redis-2"]), []);
        const moves = planRebalance(owners, ["redis-0", "redis-1", "redis-2", "redis-6"]);
        const after = apply(owners, moves);
        assert.deepStrictEqual([...after.values()].map((s) => s.length).sort(), [4096, 4096, 4096, 4096]);
        assert.deepStrictEqual(
            planRebalance(
                [...after].map(([id, s]) => ({ id, slots: compress(s) })),
                [...after.keys()],
            ),
            [],
        );
    });

    it("3 to 4 shards: each old master gives the top of its range to the new one", () => {
        const owners = splitSlots(3).map((r, i) => ({ id: `redis-${i}`, slots: [r] }));
        const moves = planRebalance(owners, ["redis-0", "redis-1", "redis-2", "redis-6"]);
        assert.deepStrictEqual(moves, [
            { from: "redis-0", to: "redis-6", slots: [{ start: 4096, end: 5461 }] },
            { from: "redis-1", to: "redis-6", slots: [{ start: 9558, end: 10922 }] },
            { from: "redis-2", to: "redis-6", slots: [{ start: 15019, end: 16383 }] },
        ]);
    });

    it("refuses a layout where two masters claim one slot", () => {
        assert.throws(
            () =>
                planRebalance(
                    [
                        { id: "a", slots: [{ start: 0, end: 10 }] },
                        { id: "b", slots: [{ start: 10, end: 20 }] },
                    ],
                    ["a"],
                ),
            /slot 10 is owned by both a and b/,
        );
    });

    it("parses and compresses ranges both ways", () => {
        assert.deepStrictEqual(parseRanges("0-5,7,9-10"), [
            { start: 0, end: 5 },
            { start: 7, end: 7 },
            { start: 9, end: 10 },
        ]);
        assert.deepStrictEqual(compress([9, 0, 1, 2, 3, 4, 5, 7, 10]), parseRanges("0-5,7,9-10"));
    });
});

describe("reshape decisions (pure)", () => {
    it("new masters: pods already followed first, then the emptiest host and zone, then ordinal", () => {
        const masters = [
            { name: "redis-0", host: "h1", zone: "a" },
            { name: "redis-1", host: "h2", zone: "b" },
        ];
        const candidates = [
            { name: "redis-10", host: "h3", zone: "a" },
            { name: "redis-7", host: "h1", zone: "c" },
            { name: "redis-6", host: "h4", zone: "c" },
        ];
        assert.deepStrictEqual(pickNewMasters(candidates, masters, 1), ["redis-6"]);
        assert.deepStrictEqual(pickNewMasters([...candidates, { name: "redis-11", host: "h1", zone: "a", followed: true }], masters, 1), [
            "redis-11",
        ]);
        assert.deepStrictEqual(
            pickNewMasters(
                candidates.map((c) => ({ ...c, host: "", zone: "" })),
                [],
                2,
            ),
            ["redis-6", "redis-7"],
        );
    });

    it("scale-in keeps the staying masters with the most slots", () => {
        const loads = ["redis-0", "redis-1", "redis-6", "redis-8"].map((name, i) => ({
            name,
            slots: [{ start: i * 100, end: i * 100 + (name === "redis-1" ? 99 : 49) }],
            keys: 0,
        }));
        assert.deepStrictEqual(pickStayingMasters(loads, new Set(["redis-0", "redis-1", "redis-2"]), 3), ["redis-1", "redis-0"]);
    });

    it("the memory check names each overfilled master with its numbers", () => {
        const MiB = 2 ** 20;
        const use = [
            { name: "a", slots: [{ start: 0, end: 8191 }], usedBytes: 60 * MiB, datasetBytes: 59 * MiB },
            { name: "b", slots: [{ start: 8192, end: 16383 }], usedBytes: 60 * MiB, datasetBytes: 59 * MiB },
        ];
        const moves = planRebalance(
            use.map((u) => ({ id: u.name, slots: u.slots })),
            ["a"],
        );
        const problems = capacityProblems(use, moves, 128 * MiB);
        assert.deepStrictEqual(problems, [
            "a would hold about 119.0 MiB after the move, over 80% of maxmemory (128.0 MiB, so at most 102.4 MiB)",
        ]);
        assert.deepStrictEqual(capacityProblems(use, moves, 256 * MiB), []);
        assert.deepStrictEqual(capacityProblems(use, moves, 0), []);
    });

    const node = (i: number) => ({ name: `redis-${i}`, address: `10.0.0.${i}`, port: 6379, host: "", zone: "" });
    const layout3 = splitSlots(3).map((r, i) => ({
        master: `redis-${i}`,
        replicas: [`redis-${i + 3}`],
        slots: `${r.start}-${r.end}`,
        keys: 3000,
    }));

    it("the preview of a scale-out names the new master, the ranges moved and the keys they carry", () => {
        const olds = { nodes: [0, 1, 2, 3, 4, 5].map(node), shards: 3, replicasPerShard: 1, shardLayout: layout3 };
        const news = { nodes: [0, 1, 2, 3, 4, 5, 6, 7].map(node), shards: 4, replicasPerShard: 1 };
        const change = describeChange(olds, news);
        assert.strictEqual(change.kind, "shards");
        assert.strictEqual(
            change.summary,
            "shards 3 -> 4: redis-6 becomes the master of a new shard; 4096 slots move: " +
                "1366 slots 4096-5461 from redis-0 to redis-6 (~750 keys); 1365 slots 9558-10922 from redis-1 to redis-6 (~750 keys); " +
                "1365 slots 15019-16383 from redis-2 to redis-6 (~750 keys)",
        );
        assert.strictEqual(describeDrain(olds, news).summary, "no pod leaves: nothing to drain");
    });

    it("the preview of a scale-in says the leaving pods are drained first, and where their slots go", () => {
        const layout6 = splitSlots(6).map((r, i) => ({
            master: `redis-${i}`,
            replicas: [`redis-${i + 6}`],
            slots: `${r.start}-${r.end}`,
            keys: 100,
        }));
        const olds = { nodes: Array.from({ length: 12 }, (_, i) => node(i)), shards: 6, replicasPerShard: 1, shardLayout: layout6 };
        const news = { nodes: [0, 1, 2, 3, 4, 5].map(node), shards: 3, replicasPerShard: 1 };
        const plan = planReshape(layout6, news.nodes, 3);
        assert.deepStrictEqual(plan.drained, ["redis-3", "redis-4", "redis-5"]);
        assert.match(
            describeChange(olds, news).summary,
            /^shards 6 -> 3: redis-3, redis-4, redis-5 give up their slots before redis-6, .*, redis-11 are removed; 8191 slots move: /,
        );
        assert.match(describeDrain(olds, news).summary, /^redis-6, redis-7, .* leave the shape: before the StatefulSet shrinks/);
    });
});
