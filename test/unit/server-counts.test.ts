// The throughput bench's counts on the servers (bench/server-counts.ts). INFO below is what a real
// Valkey 8.1 server printed for `INFO commandstats cpu` after one SET (local engine build,
// 2026-12-03), byte for byte but for the line ends.
import * as assert from "assert";
import {
    commandCalls,
    compareRuns,
    controlResolution,
    cpuSeconds,
    ServerRate,
    ServerSnapshot,
    steadyRate,
} from "../../bench/server-counts";

const INFO = [
    "# CPU",
    "used_cpu_sys:0.009427",
    "used_cpu_user:0.004713",
    "used_cpu_sys_children:0.000000",
    "used_cpu_user_children:0.000000",
    "used_cpu_sys_main_thread:0.009137",
    "used_cpu_user_main_thread:0.004568",
    "",
    "# Commandstats",
    "cmdstat_set:calls=1,usec=22,usec_per_call=22.00,rejected_calls=0,failed_calls=0",
    "",
].join("\r\n");

describe("the servers' counters", () => {
    it("reads a command's calls, 0 before its first", () => {
        assert.strictEqual(commandCalls(INFO, "set"), 1);
        assert.strictEqual(commandCalls(INFO, "SET"), 1);
        assert.strictEqual(commandCalls(INFO, "get"), 0);
    });

    it("adds the process's user and system CPU, neither its children's nor the main thread's a second time", () => {
        assert.ok(Math.abs(cpuSeconds(INFO) - 0.01414) < 1e-9);
        const withChild = INFO.replace("used_cpu_user_children:0.000000", "used_cpu_user_children:1.500000");
        assert.ok(Math.abs(cpuSeconds(withChild) - 0.01414) < 1e-9);
    });
});

/** Snapshots 250 ms apart with these call counts, each 250 ms costing `cpuPerStep` seconds. */
const run = (calls: number[], cpuPerStep = 0.1): ServerSnapshot[] => calls.map((c, i) => ({ at: i * 250, calls: c, cpu: i * cpuPerStep }));

describe("the steady part of a run", () => {
    it("leaves out the intervals the load started and ended in", () => {
        // Idle, a partial start (100), four full intervals of 1000, a partial end (300), idle.
        const r = steadyRate(run([0, 0, 100, 1100, 2100, 3100, 4100, 4400, 4400]));
        assert.strictEqual(r.seconds, 1);
        assert.strictEqual(r.rate, 4000);
        assert.ok(Math.abs(r.cpuPerCallUs - 100) < 1e-9, String(r.cpuPerCallUs));
    });

    it("refuses a run too short for two full intervals, saying what to change", () => {
        assert.throws(() => steadyRate(run([0, 100, 1100, 1200, 1200])), /too short.*send more requests per run/);
        assert.throws(() => steadyRate(run([0, 0, 0])), /too short/);
    });
});

describe("ours against a peer, paired by round", () => {
    const rates = (...xs: [number, number][]): ServerRate[] => xs.map(([rate, cpuPerCallUs]) => ({ rate, cpuPerCallUs, seconds: 3 }));

    it("takes the median of the rounds' ratios, so a round the machine slowed for both cancels", () => {
        const c = compareRuns(rates([100, 10], [50, 10], [96, 10]), rates([100, 10], [52, 10], [100, 10]), 0.95);
        // Ratios 1, 0.9615 (both slowed) and 0.96.
        assert.strictEqual(c.ratio, 50 / 52);
        assert.strictEqual(c.low, 0.96);
        assert.strictEqual(c.high, 1);
        assert.strictEqual(c.cpuRatio, 1);
        assert.strictEqual(c.verdict, "met");
    });

    it("misses the goal on the median, and says how much more CPU ours spends per command", () => {
        const c = compareRuns(rates([80, 12], [99, 12], [90, 12]), rates([100, 10], [100, 10], [100, 10]), 0.95);
        assert.strictEqual(c.ratio, 0.9);
        assert.strictEqual(c.high, 0.99);
        assert.strictEqual(c.verdict, "not met");
        assert.ok(Math.abs(c.cpuRatio - 10 / 12) < 1e-12);
    });

    it("calls a miss within the control's resolution within noise, and a larger one not met", () => {
        // Two identical clusters whose medians read 0.97 and 1.02 in two cells: the resolution is 0.03.
        const controls = [compareRuns(rates([97, 1]), rates([100, 1]), 1), compareRuns(rates([102, 1]), rates([100, 1]), 1)];
        const resolution = controlResolution(controls);
        assert.ok(Math.abs(resolution - 0.03) < 1e-12);
        assert.strictEqual(compareRuns(rates([97.5, 1]), rates([100, 1]), 1, resolution).verdict, "within noise");
        assert.strictEqual(compareRuns(rates([96, 1]), rates([100, 1]), 1, resolution).verdict, "not met");
    });

    it("refuses runs that do not pair", () => {
        assert.throws(() => compareRuns(rates([1, 1]), rates([1, 1], [1, 1]), 0.95), /1 against 2/);
    });
});
