// redis-benchmark (or valkey-benchmark) run with --csv, and its output read: the one place the
// benches that measure with it (engines.ts, throughput.ts, tls.ts) parse its columns and sum up
// their runs.
import { spawnSync } from "child_process";
import { median } from "./stats";

/** One test's result: requests per second and the latency percentiles, in milliseconds. */
export interface BenchmarkResult {
    rps: number;
    p50: number;
    p99: number;
}

/** One cell of a bench's table: a test at a pipeline depth and value size, with its medians. */
export interface BenchmarkCell extends BenchmarkResult {
    test: string;
    pipeline: number;
    size: number;
}

/** Splits one CSV line of redis-benchmark's, whose every field is double-quoted. */
const fields = (line: string) => line.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));

/**
 * The result of `test` (SET, GET, ...) in redis-benchmark's --csv output. The header names the
 * columns (`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...`), so they are
 * found by name; a missing test or column is an error that quotes the output.
 */
export function parseBenchmarkCsv(output: string, test: string): BenchmarkResult {
    const rows = output
        .split(/\r?\n/)
        .filter((l) => l.trim() !== "")
        .map(fields);
    const header = rows.find((f) => f.includes("test") && f.includes("rps"));
    const row = header && rows.find((f) => f[header.indexOf("test")] === test.toUpperCase());
    if (!header || !row) throw new Error(`redis-benchmark gave no ${test} result: ${output}`);
    const column = (name: string) => {
        const i = header.indexOf(name);
        const value = Number(row[i]);
        if (i < 0 || !Number.isFinite(value)) throw new Error(`redis-benchmark's ${test} result has no ${name}: ${output}`);
        return value;
    };
    return { rps: column("rps"), p50: column("p50_latency_ms"), p99: column("p99_latency_ms") };
}

/** Runs `redis-benchmark <args> -t <test> --csv -q` and reads its result; `where` names the target in errors. */
export function runRedisBenchmark(args: string[], test: string, where: string): BenchmarkResult {
    const r = spawnSync("redis-benchmark", [...args, "-t", test, "--csv", "-q"], { encoding: "utf8" });
    try {
        return parseBenchmarkCsv(r.stdout ?? "", test);
    } catch (e) {
        throw new Error(`redis-benchmark against ${where}: ${(e as Error).message}${r.stderr ?? ""}`, { cause: e });
    }
}

/**
 * redis-benchmark --cluster runs one thread per node, and a threaded run ends only at its 250 ms
 * progress tick (valkey-benchmark.c, showThroughput: with num_threads set it stops the loop there
 * once every request is done), so a run's measured length is its true length rounded up to a tick
 * (later still when the loop is busy). Short fast runs read in steps: in the throughput bench of
 * 2026-12-03 09:07, runs of 30,000 requests read 59,642, 39,894 or 29,880 rps (0.50, 0.75, 1.00 s).
 */
export const CLUSTER_STOP_TICK_SECONDS = 0.25;

/** How long `requests` took at the reported `rps`, and the most the stop tick can have cost of it (a fraction). */
export function stopTickError(requests: number, rps: number): { seconds: number; error: number } {
    const seconds = requests / rps;
    return { seconds, error: Math.min(1, CLUSTER_STOP_TICK_SECONDS / seconds) };
}

/** The median of each figure over repeated runs. */
export function medianResult(samples: BenchmarkResult[]): BenchmarkResult {
    return { rps: median(samples.map((x) => x.rps)), p50: median(samples.map((x) => x.p50)), p99: median(samples.map((x) => x.p99)) };
}
