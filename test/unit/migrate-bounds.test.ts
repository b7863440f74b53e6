// The bounds on resharding's in-flight work: batches by keys and bytes, timeouts that grow with
// the bytes queued, and the window that admits MIGRATE commands on one source.
import * as assert from "assert";
import fc from "fast-check";
import {
    batchesOf,
    bytesOf,
    emptyStats,
    mergeStats,
    MIGRATION_DEFAULTS,
    timeoutFor,
} from "../../components/formation/plan/migrate-batches";
import { InFlightWindow } from "../../components/formation/plan/migrate-window";

const MiB = 1024 * 1024;
const sized = (bytes: number[]) => bytes.map((b, i) => ({ key: `k${i}`, bytes: b }));

describe("MIGRATE batches", () => {
    it("cuts by key count and by bytes; a key larger than the byte bound goes alone", () => {
        const keys = sized([100, 100, 100, 8 * MiB, 100, 3 * MiB, 2 * MiB]);
        const batches = batchesOf(keys, { batchKeys: 2, batchBytes: 4 * MiB });
        assert.deepStrictEqual(
            batches.map((b) => b.map((k) => k.key)),
            [["k0", "k1"], ["k2"], ["k3"], ["k4", "k5"], ["k6"]],
        );
    });

    it("keeps every key once, in order, within both bounds unless alone (property)", () => {
        fc.assert(
            fc.property(
                fc.array(fc.nat({ max: 10 * MiB }), { maxLength: 300 }),
                fc.integer({ min: 1, max: 50 }),
                fc.integer({ min: 1, max: 8 * MiB }),
                (bytes, batchKeys, batchBytes) => {
                    const keys = sized(bytes);
                    const batches = batchesOf(keys, { batchKeys, batchBytes });
                    assert.deepStrictEqual(batches.flat(), keys);
                    for (const b of batches) {
                        assert.ok(b.length >= 1 && b.length <= batchKeys);
                        assert.ok(b.length === 1 || bytesOf(b) <= batchBytes, `${b.length} keys, ${bytesOf(b)} bytes`);
                    }
                },
            ),
        );
    });

    it("gives a command the base timeout plus the time its queued bytes take at the floor rate", () => {
        const limits = { baseTimeoutMs: 5000, minBytesPerSecond: 4 * MiB };
        assert.strictEqual(timeoutFor(0, limits), 5000);
        assert.strictEqual(timeoutFor(16 * MiB, limits), 9000);
        // The defaults: a full window stays under 10 s.
        assert.ok(timeoutFor(MIGRATION_DEFAULTS.inFlightBytes, MIGRATION_DEFAULTS) < 10000);
    });

    it("merges statistics: totals add, maxima take the larger", () => {
        const a = { keys: 1, bytes: 10, batches: 1, largestBatchBytes: 10, maxInFlightBytes: 10, maxInFlightCommands: 1 };
        const b = { keys: 2, bytes: 5, batches: 2, largestBatchBytes: 4, maxInFlightBytes: 20, maxInFlightCommands: 3 };
        assert.deepStrictEqual(mergeStats(a, b), {
            keys: 3,
            bytes: 15,
            batches: 3,
            largestBatchBytes: 10,
            maxInFlightBytes: 20,
            maxInFlightCommands: 3,
        });
    });
});

/** A command the test finishes by hand, to see what the window lets start meanwhile. */
function controlled(window: InFlightWindow, bytes: number, started: number[], id: number) {
    let finish!: () => void;
    const done = window.run(bytes, () => {
        started.push(id);
        return new Promise<void>((r) => {
            finish = r;
        });
    });
    return { done, finish: () => finish() };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("the in-flight window on one source", () => {
    it("holds a command back while the byte budget is full, then admits in arrival order", async () => {
        const stats = emptyStats();
        const window = new InFlightWindow({ inFlightBytes: 10, inFlightCommands: 4 }, stats);
        const started: number[] = [];
        const a = controlled(window, 6, started, 1);
        const b = controlled(window, 6, started, 2);
        const c = controlled(window, 1, started, 3);
        await settle();
        // 2 does not fit beside 1; 3 would, but does not overtake 2.
        assert.deepStrictEqual(started, [1]);
        assert.strictEqual(window.queuedBytes, 6);
        a.finish();
        await settle();
        assert.deepStrictEqual(started, [1, 2, 3]);
        b.finish();
        c.finish();
        await Promise.all([a.done, b.done, c.done]);
        assert.strictEqual(window.queuedBytes, 0);
        assert.deepStrictEqual({ bytes: stats.maxInFlightBytes, commands: stats.maxInFlightCommands }, { bytes: 7, commands: 2 });
    });

    it("bounds the command count, and runs a batch larger than the whole budget alone", async () => {
        const stats = emptyStats();
        const window = new InFlightWindow({ inFlightBytes: 10, inFlightCommands: 2 }, stats);
        const started: number[] = [];
        const small = [1, 2, 3].map((id) => controlled(window, 1, started, id));
        const huge = controlled(window, 50, started, 4);
        await settle();
        assert.deepStrictEqual(started, [1, 2]);
        small[0].finish();
        small[1].finish();
        await settle();
        assert.deepStrictEqual(started, [1, 2, 3]);
        small[2].finish();
        await settle();
        // The huge batch waited for an empty window.
        assert.deepStrictEqual(started, [1, 2, 3, 4]);
        assert.strictEqual(window.queuedBytes, 50);
        huge.finish();
        await Promise.all([...small.map((s) => s.done), huge.done]);
        assert.strictEqual(stats.maxInFlightCommands, 2);
        assert.strictEqual(stats.maxInFlightBytes, 50);
    });

    it("frees its place when a command fails", async () => {
        const window = new InFlightWindow({ inFlightBytes: 10, inFlightCommands: 1 }, emptyStats());
        await assert.rejects(
            window.run(5, async () => {
                throw new Error("MIGRATE failed");
            }),
            /MIGRATE failed/,
        );
        assert.strictEqual(await window.run(5, async (queued) => queued), 5);
        assert.strictEqual(window.queuedBytes, 0);
    });
});
