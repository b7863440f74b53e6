// The engines side by side: every server build local mode can run (Valkey 8.1 and Redis 8.0 from
// Debian's source packages, the system's Redis 7.0), same settings, same machine, same run.
// Memory: used_memory added by 1M keys of 100-byte values (DEBUG POPULATE, the same writes on
// every engine). Throughput: the same client (the system's redis-benchmark) against each, SET and
// GET of 100-byte values, pipelined and not, rotating which engine goes first in each round so
// drift in the machine's load favours none. Standalone servers: the engines' own speed, without
// the cluster or the rendered configuration (bench/throughput.ts measures those).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { localEngines, LocalEngine } from "../local/engines";
import { startContainer, stopProcess } from "../local/pod";
import { BenchmarkResult, medianResult, runRedisBenchmark } from "./redis-benchmark";
import { printTable } from "./stats";

export interface EngineResult {
    engine: string;
    source: string;
    /** used_memory added by the keys, per 1M keys, in MiB. */
    mibPer1MKeys: number;
    keys: number;
    throughput: { test: string; pipeline: number; rps: number; p50: number; p99: number }[];
}

const VALUE_BYTES = 100;
const address = (i: number) => `127.0.62.${i + 1}`;

async function connect(host: string, timeoutMs = 15000): Promise<Redis> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const c = new Redis({ host, port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        try {
            await c.connect();
            await c.ping();
            return c;
        } catch (e) {
            c.disconnect();
            if (Date.now() > deadline) throw new Error(`server on ${host} did not answer: ${e}`, { cause: e });
            await new Promise((r) => setTimeout(r, 100));
        }
    }
}

const usedMemory = async (c: Redis) => Number(/^used_memory:(\d+)/m.exec(await c.info("memory"))![1]);

function benchmark(host: string, test: string, pipeline: number, requests: number): BenchmarkResult {
    const args = [
        "-h",
        host,
        "-p",
        "6379",
        "-n",
        String(requests),
        "-c",
        "50",
        "-d",
        String(VALUE_BYTES),
        "-P",
        String(pipeline),
        "-r",
        "100000",
    ];
    return runRedisBenchmark(args, test, host);
}

export async function benchEngines(
    keys: number,
    runs: number,
    requests: number,
    builds: LocalEngine[] = localEngines(),
): Promise<EngineResult[]> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "engines-bench-"));
    const servers = builds.map((b, i) => {
        const dir = path.join(root, `${b.engine}-${b.line}`);
        fs.mkdirSync(dir);
        // The same settings on each: no persistence (it would measure the disk), DEBUG for POPULATE.
        const argv = [
            path.join(b.binDir, `${b.engine}-server`),
            "--bind",
            address(i),
            "--port",
            "6379",
            "--dir",
            dir,
            "--save",
            "",
            "--appendonly",
            "no",
            "--enable-debug-command",
            "yes",
            "--bind-source-addr",
            address(i),
        ];
        return {
            build: b,
            host: address(i),
            pid: startContainer({ name: b.engine, env: {}, probes: {}, argv }, path.join(dir, "server.log")).pid!,
        };
    });
    try {
        const clients = await Promise.all(servers.map((s) => connect(s.host)));
        const memory: number[] = [];
        for (const c of clients) {
            await c.call("FLUSHALL");
            const before = await usedMemory(c);
            await c.call("DEBUG", "POPULATE", String(keys), "key", String(VALUE_BYTES));
            const count = await c.dbsize();
            if (count !== keys) throw new Error(`DEBUG POPULATE made ${count} keys, not ${keys}`);
            memory.push(((((await usedMemory(c)) - before) / keys) * 1e6) / 2 ** 20);
            await c.call("FLUSHALL");
        }
        clients.forEach((c) => c.disconnect());
        const samples = servers.map(() => new Map<string, ReturnType<typeof benchmark>[]>());
        for (let r = 0; r < runs; r++) {
            for (const test of ["set", "get"]) {
                for (const pipeline of [1, 16]) {
                    for (let k = 0; k < servers.length; k++) {
                        const i = (r + k) % servers.length;
                        const key = `${test}/${pipeline}`;
                        samples[i].set(key, [
                            ...(samples[i].get(key) ?? []),
                            benchmark(servers[i].host, test, pipeline, requests * pipeline),
                        ]);
                    }
                }
            }
        }
        return servers.map((s, i) => ({
            engine: s.build.version,
            source: s.build.source,
            keys,
            mibPer1MKeys: memory[i],
            throughput: [...samples[i]].map(([key, got]) => ({
                test: key.split("/")[0],
                pipeline: Number(key.split("/")[1]),
                ...medianResult(got),
            })),
        }));
    } finally {
        await Promise.all(servers.map((s) => stopProcess(s.pid, 15000)));
        fs.rmSync(root, { recursive: true, force: true });
    }
}

export function printEngines(results: EngineResult[]): void {
    const base = results.find((r) => r.engine.startsWith("valkey")) ?? results[0];
    printTable(
        `Engines: memory for 1M keys of ${VALUE_BYTES}-byte values (used_memory added, MiB), ratio to ${base.engine}`,
        ["engine", "build", "MiB per 1M keys", "ratio"],
        results.map((r) => [r.engine, r.source, r.mibPer1MKeys.toFixed(1), (r.mibPer1MKeys / base.mibPer1MKeys).toFixed(2)]),
    );
    const cells = base.throughput.map((t) => ({ test: t.test, pipeline: t.pipeline }));
    printTable(
        `Engines: redis-benchmark, 50 clients, ${VALUE_BYTES}-byte values, standalone (median ops/s; p50/p99 ms)`,
        [
            "test",
            "pipeline",
            ...results.map((r) => r.engine),
            ...results.filter((r) => r !== base).map((r) => `${r.engine}/${base.engine}`),
            ...results.map((r) => `${r.engine} p50/p99`),
        ],
        cells.map((c) => {
            const of = (r: EngineResult) => r.throughput.find((t) => t.test === c.test && t.pipeline === c.pipeline)!;
            return [
                c.test.toUpperCase(),
                c.pipeline,
                ...results.map((r) => Math.round(of(r).rps)),
                ...results.filter((r) => r !== base).map((r) => (of(r).rps / of(base).rps).toFixed(2)),
                ...results.map((r) => `${of(r).p50}/${of(r).p99}`),
            ];
        }),
    );
}
