import * as assert from "assert";
import * as fc from "fast-check";
import { ClusterPlan, PlanError, SLOT_COUNT, formatRanges, planCluster, slotCount, splitSlots } from "../../components/formation/plan/plan";
import type { NodeInfo, Shape } from "../../components/formation/types";

// --- helpers (deliberately independent of the planner's own logic) ---------------------------------

/** Pod i on host hostOf(i); a host's zone comes from zoneOfHost, as with Kubernetes node labels. */
function makeNodes(count: number, hostOf: (i: number) => number, zoneOfHost: (h: number) => string): NodeInfo[] {
    return Array.from({ length: count }, (_, i) => ({
        name: `redis-cluster-${i}`,
        address: `10.0.${i >> 8}.${i & 255}:6379`,
        host: `node-${hostOf(i)}`,
        zone: zoneOfHost(hostOf(i)),
    }));
}

function zoneAware(nodes: NodeInfo[]): boolean {
    return new Set(nodes.map((n) => n.zone).filter((z) => z !== "")).size >= 2;
}

/** Every (replica, master, kind) pair that breaks a separation rule. */
function violations(nodes: NodeInfo[], plan: ClusterPlan): Array<{ replica: string; master: string; kind: "host" | "zone" }> {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const zones = zoneAware(nodes);
    const out: Array<{ replica: string; master: string; kind: "host" | "zone" }> = [];
    for (const shard of plan.shards) {
        const m = byName.get(shard.master)!;
        for (const id of shard.replicas) {
            const r = byName.get(id)!;
            if (r.host === m.host) out.push({ replica: id, master: m.name, kind: "host" });
            if (zones && r.zone !== "" && r.zone === m.zone) out.push({ replica: id, master: m.name, kind: "zone" });
        }
    }
    return out;
}

/**
 * Exhaustive search over every master set and replica assignment (small inputs only).
 * Returns the least violations, counted as 100 per shared host + 1 per shared zone.
 */
function bruteForceBest(nodes: NodeInfo[], shape: Shape): number {
    const { shards, replicasPerShard: per } = shape;
    const zones = zoneAware(nodes);
    const cost = (r: NodeInfo, m: NodeInfo) => (r.host === m.host ? 100 : 0) + (zones && r.zone !== "" && r.zone === m.zone ? 1 : 0);
    let best = Infinity;
    for (let mask = 0; mask < 1 << nodes.length; mask++) {
        const masters = nodes.filter((_, i) => mask & (1 << i));
        if (masters.length !== shards) continue;
        const replicas = nodes.filter((_, i) => !(mask & (1 << i)));
        const memo = new Map<number, number>();
        // Masters take their replicas in turn; `used` marks replicas already taken.
        const solve = (used: number, mi: number): number => {
            if (mi === masters.length) return 0;
            const key = used * 64 + mi;
            const known = memo.get(key);
            if (known !== undefined) return known;
            let min = Infinity;
            const choose = (from: number, left: number, u: number, acc: number): void => {
                if (acc >= min) return;
                if (left === 0) {
                    min = Math.min(min, acc + solve(u, mi + 1));
                    return;
                }
                for (let j = from; j < replicas.length; j++) {
                    if (!(u & (1 << j))) choose(j + 1, left - 1, u | (1 << j), acc + cost(replicas[j], masters[mi]));
                }
            };
            choose(0, per, used, 0);
            memo.set(key, min);
            return min;
        };
        best = Math.min(best, solve(0, 0));
        if (best === 0) break;
    }
    return best;
}

/** Structural invariants every plan must satisfy, feasible or not. */
function checkPlanShape(nodes: NodeInfo[], shape: Shape, plan: ClusterPlan): void {
    assert.strictEqual(plan.shards.length, shape.shards);
    const owner = new Int32Array(SLOT_COUNT).fill(-1);
    plan.shards.forEach((shard, i) => {
        for (const r of shard.slots) {
            for (let s = r.start; s <= r.end; s++) {
                assert.strictEqual(owner[s], -1, `slot ${s} assigned twice`);
                owner[s] = i;
            }
        }
    });
    assert.ok(
        owner.every((o) => o >= 0),
        "some slot is unassigned",
    );
    const counts = plan.shards.map((s) => slotCount(s.slots));
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `unbalanced slots ${counts}`);

    const seen = plan.shards.flatMap((s) => [s.master, ...s.replicas]).sort();
    assert.deepStrictEqual(seen, nodes.map((n) => n.name).sort(), "every node exactly once");
    for (const s of plan.shards) assert.strictEqual(s.replicas.length, shape.replicasPerShard);

    // One warning per violated rule, naming the replica and its master.
    const broken = violations(nodes, plan);
    assert.strictEqual(plan.warnings.length, broken.length, plan.warnings.join("\n"));
    for (const v of broken) {
        assert.ok(
            plan.warnings.some((w) => w.includes(v.replica) && w.includes(v.master) && w.includes(v.kind)),
            JSON.stringify(v),
        );
    }
}

function permute<T>(items: T[], keys: number[]): T[] {
    return items
        .map((item, i) => ({ item, key: keys[i], i }))
        .sort((a, b) => a.key - b.key || a.i - b.i)
        .map((x) => x.item);
}

/** A shape plus a realistic placement: each pod on a host, each host in one zone ("" = unknown). */
function arbCase(maxShards: number, maxReplicas: number, maxNodes: number) {
    return fc.integer({ min: 0, max: maxReplicas }).chain((replicasPerShard) =>
        fc
            .record({
                shards: fc.integer({ min: 1, max: Math.min(maxShards, Math.floor(maxNodes / (1 + replicasPerShard))) }),
                hosts: fc.integer({ min: 1, max: 12 }),
                zones: fc.integer({ min: 0, max: 4 }),
            })
            .chain(({ shards, hosts, zones }) => {
                const n = shards * (1 + replicasPerShard);
                return fc.record({
                    shape: fc.constant<Shape>({ shards, replicasPerShard }),
                    hostZone: fc.array(fc.integer({ min: 0, max: zones }), { minLength: hosts, maxLength: hosts }),
                    placement: fc.array(fc.integer({ min: 0, max: hosts - 1 }), { minLength: n, maxLength: n }),
                    order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
                });
            }),
    );
}

function nodesFor(c: { hostZone: number[]; placement: number[] }): NodeInfo[] {
    return makeNodes(
        c.placement.length,
        (i) => c.placement[i],
        (h) => (c.hostZone[h] === 0 ? "" : `zone-${c.hostZone[h]}`),
    );
}

const threeZones = () =>
    makeNodes(
        6,
        (i) => i,
        (h) => `zone-${h % 3}`,
    );

// --- slots -------------------------------------------------------------------------------------

describe("formation plan: slots", () => {
    it("splits 16384 slots with the larger ranges first", () => {
        assert.deepStrictEqual(splitSlots(1), [{ start: 0, end: 16383 }]);
        assert.deepStrictEqual(splitSlots(3), [
            { start: 0, end: 5461 },
            { start: 5462, end: 10922 },
            { start: 10923, end: 16383 },
        ]);
        assert.strictEqual(
            splitSlots(SLOT_COUNT).every((r, i) => r.start === i && r.end === i),
            true,
        );
    });

    it("formats and counts ranges", () => {
        assert.strictEqual(
            formatRanges([
                { start: 0, end: 5460 },
                { start: 10000, end: 10000 },
            ]),
            "0-5460,10000",
        );
        assert.strictEqual(formatRanges([]), "");
        assert.strictEqual(
            slotCount([
                { start: 0, end: 5460 },
                { start: 10000, end: 10000 },
            ]),
            5462,
        );
    });

    it("rejects shard counts that cannot own a slot each", () => {
        for (const bad of [0, -1, 1.5, SLOT_COUNT + 1, NaN]) assert.throws(() => splitSlots(bad), PlanError, String(bad));
    });

    it("property: contiguous, ordered, covering and balanced for 1..16384 shards", () => {
        const shards = fc.oneof(fc.integer({ min: 1, max: SLOT_COUNT }), fc.constantFrom(1, 2, 3, 7, 8192, 16383, 16384));
        fc.assert(
            fc.property(shards, (n) => {
                const ranges = splitSlots(n);
                assert.strictEqual(ranges.length, n);
                let next = 0;
                for (const r of ranges) {
                    assert.strictEqual(r.start, next);
                    assert.ok(r.end >= r.start);
                    next = r.end + 1;
                }
                assert.strictEqual(next, SLOT_COUNT);
                const sizes = ranges.map((r) => r.end - r.start + 1);
                assert.ok(
                    sizes.every((s, i) => i === 0 || s <= sizes[i - 1]),
                    "larger ranges first",
                );
                assert.ok(sizes[0] - sizes[n - 1] <= 1);
            }),
            { numRuns: 200 },
        );
    });
});

// --- planCluster: tables -----------------------------------------------------------------------

describe("formation plan: planCluster examples", () => {
    it("default 3x1 over 6 hosts in 3 zones: masters one per zone, replicas off-zone", () => {
        const nodes = threeZones();
        const plan = planCluster(nodes, { shards: 3, replicasPerShard: 1 });
        checkPlanShape(nodes, { shards: 3, replicasPerShard: 1 }, plan);
        assert.deepStrictEqual(plan.warnings, []);
        assert.deepStrictEqual(
            plan.shards.map((s) => s.master),
            ["redis-cluster-0", "redis-cluster-1", "redis-cluster-2"],
        );
        assert.deepStrictEqual(
            plan.shards.map((s) => formatRanges(s.slots)),
            ["0-5461", "5462-10922", "10923-16383"],
        );
    });

    it("3x1 on a single host (laptop): still plans, one warning per co-located replica", () => {
        const nodes = makeNodes(
            6,
            () => 0,
            () => "",
        );
        const plan = planCluster(nodes, { shards: 3, replicasPerShard: 1 });
        checkPlanShape(nodes, { shards: 3, replicasPerShard: 1 }, plan);
        assert.strictEqual(plan.warnings.length, 3);
        for (const w of plan.warnings) assert.match(w, /replica redis-cluster-\d+ shares host node-0 with its master redis-cluster-\d+/);
    });

    it("two hosts holding three pods each are enough for 3x1 without warnings", () => {
        const nodes = makeNodes(
            6,
            (i) => i % 2,
            () => "",
        );
        const plan = planCluster(nodes, { shards: 3, replicasPerShard: 1 });
        assert.deepStrictEqual(plan.warnings, []);
        checkPlanShape(nodes, { shards: 3, replicasPerShard: 1 }, plan);
    });

    it("keeps masters out of a zone too big to replicate elsewhere (3x2, zones of 6/2/1 pods)", () => {
        const zoneOfHost = (h: number) => (h < 6 ? "zone-a" : h < 8 ? "zone-b" : "zone-c");
        const nodes = makeNodes(9, (i) => i, zoneOfHost);
        const plan = planCluster(nodes, { shards: 3, replicasPerShard: 2 });
        checkPlanShape(nodes, { shards: 3, replicasPerShard: 2 }, plan);
        assert.deepStrictEqual(plan.warnings, []);
        const zoneOf = new Map(nodes.map((n) => [n.name, n.zone]));
        assert.ok(plan.shards.every((s) => zoneOf.get(s.master) !== "zone-a"));
    });

    it("gives up zone separation before host separation", () => {
        // zone-a has 4 of 6 pods, so one replica must share its master's zone, but never its host.
        const nodes = makeNodes(
            6,
            (i) => i,
            (h) => (h < 4 ? "zone-a" : "zone-b"),
        );
        const plan = planCluster(nodes, { shards: 3, replicasPerShard: 1 });
        checkPlanShape(nodes, { shards: 3, replicasPerShard: 1 }, plan);
        assert.strictEqual(plan.warnings.length, 1);
        assert.match(plan.warnings[0], /shares zone zone-a/);
    });

    it("spreads masters across zones first, then hosts", () => {
        const byZone = makeNodes(
            6,
            (i) => i,
            (h) => (h < 3 ? "zone-a" : "zone-b"),
        );
        const zoneOf = new Map(byZone.map((n) => [n.name, n.zone]));
        const zonePlan = planCluster(byZone, { shards: 3, replicasPerShard: 1 });
        assert.deepStrictEqual(zonePlan.shards.map((s) => zoneOf.get(s.master)).sort(), ["zone-a", "zone-a", "zone-b"]);

        const byHost = makeNodes(
            6,
            (i) => (i < 3 ? 0 : 1),
            () => "",
        );
        const hostOf = new Map(byHost.map((n) => [n.name, n.host]));
        const hostPlan = planCluster(byHost, { shards: 3, replicasPerShard: 1 });
        assert.deepStrictEqual(hostPlan.shards.map((s) => hostOf.get(s.master)).sort(), ["node-0", "node-0", "node-1"]);
        assert.deepStrictEqual(hostPlan.warnings, []);
    });

    it("prefers spreading one master's replicas over several hosts", () => {
        // Masters land on node-0 and node-1; the four replicas sit in pairs on node-2 and node-3.
        const nodes = makeNodes(
            6,
            (i) => [0, 1, 2, 2, 3, 3][i],
            () => "",
        );
        const hostOf = new Map(nodes.map((n) => [n.name, n.host]));
        const plan = planCluster(nodes, { shards: 2, replicasPerShard: 2 });
        assert.deepStrictEqual(plan.warnings, []);
        for (const s of plan.shards) assert.strictEqual(new Set(s.replicas.map((r) => hostOf.get(r))).size, 2, JSON.stringify(s));
    });

    it("orders shards by natural pod-name order", () => {
        const nodes = ["redis-10", "redis-9", "redis-2", "redis-1"].map((id, i) => ({
            name: id,
            address: `10.0.0.${i}:6379`,
            host: "n",
            zone: "",
        }));
        const plan = planCluster(nodes, { shards: 4, replicasPerShard: 0 });
        assert.deepStrictEqual(
            plan.shards.map((s) => s.master),
            ["redis-1", "redis-2", "redis-9", "redis-10"],
        );
        assert.deepStrictEqual(plan.warnings, []);
    });

    it("rejects impossible input with actionable messages", () => {
        const six = threeZones();
        const fails = (nodes: NodeInfo[], shape: Shape, pattern: RegExp) =>
            assert.throws(
                () => planCluster(nodes, shape),
                (e: unknown) => e instanceof PlanError && pattern.test(e.message),
            );
        fails(six.slice(0, 5), { shards: 3, replicasPerShard: 1 }, /needs exactly 6 .* but 5 were given/);
        fails(six, { shards: 3, replicasPerShard: 2 }, /needs exactly 9 .* but 6 were given/);
        fails(six, { shards: 0, replicasPerShard: 1 }, /shards must be .* got 0/);
        fails(six, { shards: 3, replicasPerShard: -1 }, /replicasPerShard must be .* got -1/);
        fails(six, { shards: 1.5, replicasPerShard: 3 }, /got 1\.5/);
        fails([...six.slice(0, 5), { ...six[5], name: six[0].name }], { shards: 3, replicasPerShard: 1 }, /same name "redis-cluster-0"/);
        fails(
            [...six.slice(0, 5), { ...six[5], address: six[2].address }],
            { shards: 3, replicasPerShard: 1 },
            /redis-cluster-2 and redis-cluster-5 have the same address "10\.0\.0\.2:6379"/,
        );
    });
});

// --- planCluster: properties -------------------------------------------------------------------

describe("formation plan: planCluster properties", () => {
    it("any shape and placement: slots, membership, replica counts, warnings, input order", () => {
        fc.assert(
            fc.property(arbCase(40, 3, 160), (c) => {
                const nodes = nodesFor(c);
                const plan = planCluster(nodes, c.shape);
                checkPlanShape(nodes, c.shape, plan);
                assert.deepStrictEqual(planCluster(permute(nodes, c.order), c.shape), plan, "plan depends on input order");
            }),
            { numRuns: 200 },
        );
    });

    it("small cases: separation holds whenever some plan allows it, and host clashes are minimal", () => {
        fc.assert(
            fc.property(arbCase(12, 3, 12), (c) => {
                const nodes = nodesFor(c);
                const plan = planCluster(nodes, c.shape);
                checkPlanShape(nodes, c.shape, plan);
                const best = bruteForceBest(nodes, c.shape);
                const broken = violations(nodes, plan);
                if (best === 0) assert.deepStrictEqual(broken, [], "a clash-free plan exists");
                assert.strictEqual(broken.filter((v) => v.kind === "host").length, Math.floor(best / 100), "host clashes not minimal");
            }),
            { numRuns: 250 },
        );
    });
});
