// redis-benchmark (or valkey-benchmark) run with --csv, and its output read: the one place the
// benches that measure with it (engines.ts, throughput.ts, tls.ts) parse its columns and sum up
// their runs.
//
// The rate it prints is the client's: requests over the run's length, connection set-up and
// cluster discovery included. With --cluster it runs a thread per node, and a threaded run ends
// only at its 250 ms progress tick (valkey-benchmark.c, showThroughput), so a short fast run reads
// in steps (runs of 30,000 requests read 59,642, 39,894 or 29,880 rps on 2026-12-03: 0.50, 0.75 or
// 1.00 s for the same work). The throughput bench counts on the servers instead (server-counts.ts).
import { spawn, spawnSync } from "child_process";
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

const benchmarkArgs = (args: string[], test: string) => [...args, "-t", test, "--csv", "-q"];

/** A run's output read; `where` names the target in the error, which quotes both streams. */
function readOutput(stdout: string, stderr: string, test: string, where: string): BenchmarkResult {
    try {
        return parseBenchmarkCsv(stdout, test);
    } catch (e) {
        throw new Error(`redis-benchmark against ${where}: ${(e as Error).message}${stderr}`, { cause: e });
    }
}

/** Runs `redis-benchmark <args> -t <test> --csv -q` and reads its result; `where` names the target in errors. */
export function runRedisBenchmark(args: string[], test: string, where: string): BenchmarkResult {
    const r = spawnSync("redis-benchmark", benchmarkArgs(args, test), { encoding: "utf8" });
    return readOutput(r.stdout ?? "", r.stderr ?? "", test, where);
}

/**
 * The same run started in the background, for a caller that watches the servers meanwhile:
 * `running` says whether it still runs, `result` is its output read as runRedisBenchmark does.
 */
export function startRedisBenchmark(
    args: string[],
    test: string,
    where: string,
): { running: () => boolean; result: Promise<BenchmarkResult> } {
    const child = spawn("redis-benchmark", benchmarkArgs(args, test), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let done = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const result = new Promise<BenchmarkResult>((resolve, reject) => {
        child.on("error", (e) => {
            done = true;
            reject(e);
        });
        child.on("close", () => {
            done = true;
            try {
                resolve(readOutput(stdout, stderr, test, where));
            } catch (e) {
                reject(e);
            }
        });
    });
    return { running: () => !done, result };
}

/** The median of each figure over repeated runs. */
export function medianResult(samples: BenchmarkResult[]): BenchmarkResult {
    return { rps: median(samples.map((x) => x.rps)), p50: median(samples.map((x) => x.p50)), p99: median(samples.map((x) => x.p99)) };
}
