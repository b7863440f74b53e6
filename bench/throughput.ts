// Throughput of the rendered configuration against stock Redis settings, same shape (3 masters x
// 1 replica), same machine, same run: redis-benchmark --cluster, GET/SET, pipelined and not, two
// value sizes. The rendered prod settings run as prod does (TLS on, certificate from openssl),
// without TLS, and without TLS or the AOF, which shows what encryption and persistence cost. All
// clusters start at once (idle ones cost next to nothing); each comparison runs its two clusters
// side by side and counts their rates on the servers (server-counts.ts), so whatever the machine
// does during a run it does to both.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formCluster } from "../components/formation/live/formation";
import type { FormationNode } from "../components/formation/types";
import { buildAllObjects } from "../components/kubernetes";
import { argsFromConfig } from "../program/config";
import { resolveSpec } from "../components/settings/spec";
import { packageRoot } from "../components/package-files";
import { readStackConfig } from "../tools/stack-config";
import { ContainerPlan, materializeVolumes, planPod, startContainer, stopProcess } from "../local/pod";
import { BenchmarkResult, runRedisBenchmark, startRedisBenchmark } from "./redis-benchmark";
import { countWhile, ServerRate, steadyRate } from "./server-counts";
import { ACL_RULES } from "../components/redis/acl";
import { TLS_FILES, USERS } from "../components/settings/spec";
import { makeCertificate, TestCertificate } from "../testing/certificates";
import { engineFor } from "../local/engines";

export const PASSWORD = "ThroughputPw7a9c1e3b5d7f9a1c3e5b7d9f1a3c";

export type ThroughputConfig =
    "rendered-tls" | "rendered" | "rendered-no-aof" | "rendered-save" | "stock" | "stock-same" | "stock-same-twin" | "bitnami";

/** Redis's built-in RDB save points (redis.conf of 7.x), which the Bitnami image keeps. */
const REDIS_DEFAULT_SAVE = [
    { seconds: 3600, changes: 1 },
    { seconds: 300, changes: 100 },
    { seconds: 60, changes: 10000 },
];

/**
 * The durability flags stock redis-server gets on top of its defaults: none ("stock"); the
 * rendered config's choices (AOF everysec, no RDB save points: "stock-same"); the Bitnami
 * redis-cluster chart's defaults (its image turns the AOF on, everysec, and keeps Redis's save
 * points; chart 9.x/10.x configmap: cluster settings and `appendonly yes` only).
 */
const SAME_CHOICES = ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""];
const STOCK_FLAGS: Partial<Record<ThroughputConfig, string[]>> = {
    stock: [],
    "stock-same": SAME_CHOICES,
    // A second, identical stock-same cluster: the control pair, whose ratio would be 1 on a perfect machine.
    "stock-same-twin": SAME_CHOICES,
    bitnami: [
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        REDIS_DEFAULT_SAVE.map((r) => `${r.seconds} ${r.changes}`).join(" "),
    ],
};

/** The prod stack's settings, as the program reads them. */
const prodArgs = () => argsFromConfig(readStackConfig(packageRoot, "prod").config);

/**
 * The server binary the prod image runs locally (local/engines.ts, as local mode chooses it), so
 * that stock and rendered run the same build: Valkey 8.1 for the default image.
 */
export function prodServerBinary(): string {
    const engine = engineFor(resolveSpec(prodArgs()).settings.image);
    return path.join(engine.binDir, `${engine.engine}-server`);
}

/** Starts six nodes: the rendered prod pods, or the stock server with only what a cluster needs. */
export function startNodes(
    kind: ThroughputConfig,
    octet: number,
    root: string,
    cert: TestCertificate,
): { nodes: FormationNode[]; pids: number[] } {
    const addresses = Array.from({ length: 6 }, (_, i) => `127.0.${octet}.${i + 1}`);
    const pids: number[] = [];
    if (!STOCK_FLAGS[kind]) {
        // The prod settings, except io-threads: six servers with four spinning I/O threads each on a
        // two-core machine measure contention, not Redis (that run gave ~800 ops/s, p50 60 ms).
        const prod = prodArgs();
        const redis = {
            ...prod.redis,
            ioThreads: 1,
            ...(kind === "rendered-no-aof" ? { appendonly: false } : {}),
            ...(kind === "rendered-save" ? { save: REDIS_DEFAULT_SAVE } : {}),
        };
        const tls = kind === "rendered-tls" ? { enabled: true, secretName: "bench-tls" } : { enabled: false };
        const objects = buildAllObjects(resolveSpec({ ...prod, redis, tls }), PASSWORD);
        // Every password is PASSWORD; the TLS Secret's keys are the certificate's.
        const secretKeys = objects
            .filter((o) => o.kind === "Secret")
            .flatMap((o) => Object.keys((o.stringData as Record<string, string> | undefined) ?? {}));
        const values = {
            ...Object.fromEntries(secretKeys.map((k) => [k, PASSWORD])),
            [TLS_FILES.cert]: cert.cert,
            [TLS_FILES.key]: cert.key,
            [TLS_FILES.ca]: cert.ca,
        };
        addresses.forEach((ip, i) => {
            const plan = planPod(objects, i, ip, path.join(root, `pod-${i}`), values);
            materializeVolumes(objects, plan, values);
            const redis: ContainerPlan = plan.containers.find((c) => c.name === "redis")!;
            pids.push(startContainer(redis, path.join(plan.root, "redis.log")).pid!);
        });
    } else {
        addresses.forEach((ip, i) => {
            const dir = path.join(root, `stock-${i}`);
            fs.mkdirSync(dir, { recursive: true });
            pids.push(
                startContainer(
                    {
                        name: "redis",
                        env: {},
                        probes: {},
                        argv: [
                            prodServerBinary(),
                            "--bind",
                            ip,
                            "--port",
                            "6379",
                            "--cluster-enabled",
                            "yes",
                            "--dir",
                            dir,
                            "--requirepass",
                            PASSWORD,
                            "--masterauth",
                            PASSWORD,
                            // The same ACL users as ours, so both sides pay the same ACL checks.
                            // (redis-server reads each word of a command-line directive as its own argument).
                            "--user",
                            USERS.admin,
                            ...ACL_RULES.admin.split(" "),
                            `>${PASSWORD}`,
                            "--user",
                            USERS.app,
                            ...ACL_RULES.app.split(" "),
                            `>${PASSWORD}`,
                            "--bind-source-addr",
                            ip,
                            ...STOCK_FLAGS[kind]!,
                        ],
                    },
                    path.join(dir, "redis.log"),
                ).pid!,
            );
        });
    }
    const tls = kind === "rendered-tls" ? { tls: { ca: cert.ca } } : {};
    return { nodes: addresses.map((ip, i) => ({ name: `n${i}`, ip, port: 6379, host: `h${i}`, zone: "", ...tls })), pids };
}

/** redis-benchmark --cluster's arguments as the app user; `clients` connections (50 unless given). */
function benchmarkArgs(seed: string, pipeline: number, size: number, requests: number, caFile?: string, clients = 50): string[] {
    const tls = caFile ? ["--tls", "--cacert", caFile] : [];
    const args = [...tls, "--cluster", "-h", seed, "-p", "6379", "--user", USERS.app, "-a", PASSWORD];
    return [...args, "-n", String(requests), "-c", String(clients), "-d", String(size), "-P", String(pipeline), "-r", "100000"];
}

/** redis-benchmark --cluster as the app user; `clients` connections (50 unless given). */
export function redisBenchmark(
    seed: string,
    test: string,
    pipeline: number,
    size: number,
    requests: number,
    caFile?: string,
    clients = 50,
): BenchmarkResult {
    return runRedisBenchmark(benchmarkArgs(seed, pipeline, size, requests, caFile, clients), test, seed);
}

/** One run's figures: the client's (latency) and the servers' (rate, CPU). */
export interface CountedRun {
    client: BenchmarkResult;
    server: ServerRate;
}

/**
 * One redis-benchmark run per cluster, all at once, with the servers' counters read meanwhile
 * (server-counts.ts) for as long as every run lasts: the clusters' rates are counted over the
 * same seconds of the same machine. The start order alternates with `round`.
 */
export async function countedRuns(
    clusters: BenchCluster[],
    test: string,
    pipeline: number,
    size: number,
    requests: number,
    caFile: string,
    round = 0,
): Promise<CountedRun[]> {
    const order = round % 2 ? [...clusters].reverse() : clusters;
    const started = new Map(
        order.map((c) => {
            const seed = c.nodes[0].ip;
            const ca = c.config === "rendered-tls" ? caFile : undefined;
            return [c, startRedisBenchmark(benchmarkArgs(seed, pipeline, size, requests, ca), test, `${c.config} at ${seed}`)];
        }),
    );
    const runs = clusters.map((c) => started.get(c)!);
    const allRunning = () => runs.every((r) => r.running());
    const snapshots = await Promise.all(clusters.map((c) => countWhile(c.nodes, PASSWORD, test, allRunning)));
    const clients = await Promise.all(runs.map((r) => r.result));
    return clusters.map((c, i) => {
        try {
            return { client: clients[i], server: steadyRate(snapshots[i]) };
        } catch (e) {
            const cell = `${c.config} ${test.toUpperCase()} P${pipeline} ${size} B`;
            throw new Error(
                `${cell}: ${(e as Error).message} (its ${requests} requests took ${(requests / clients[i].rps).toFixed(2)} s)`,
                {
                    cause: e,
                },
            );
        }
    });
}

export interface BenchCluster {
    config: ThroughputConfig;
    nodes: FormationNode[];
    pids: number[];
}

/**
 * Starts and forms one 3 x 1 cluster per config (addresses 127.0.<octet + i>.1-6), all at once;
 * `use` runs with them and a CA file for TLS clients; every process stops afterwards.
 */
export async function withClusters<T>(
    configs: ThroughputConfig[],
    octet: number,
    use: (clusters: BenchCluster[], caFile: string) => Promise<T>,
): Promise<T> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "throughput-"));
    const cert = makeCertificate(
        ["localhost"],
        configs.flatMap((_, i) => Array.from({ length: 6 }, (_, n) => `127.0.${octet + i}.${n + 1}`)),
    );
    const caFile = path.join(root, "ca.crt");
    fs.writeFileSync(caFile, cert.ca);
    const clusters = configs.map((config, i) => ({ config, ...startNodes(config, octet + i, path.join(root, config), cert) }));
    try {
        // The node timeout each kind starts with (Redis's default for stock), which formation restores.
        const nodeTimeoutMs = (kind: ThroughputConfig) =>
            STOCK_FLAGS[kind] ? 15000 : resolveSpec(prodArgs()).settings.redis.clusterNodeTimeoutMs;
        for (const c of clusters)
            await formCluster(
                c.nodes,
                { shards: 3, replicasPerShard: 1 },
                { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: nodeTimeoutMs(c.config) },
            );
        return await use(clusters, caFile);
    } finally {
        await Promise.all(clusters.flatMap((c) => c.pids).map((pid) => stopProcess(pid, 15000)));
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/**
 * The pairs the tables compare, ours first: the control (two identical clusters, which tells how
 * far apart this machine reads the same thing), the goals' (rendered against stock with the same
 * choices, and against Bitnami's defaults; rendered with save points against Bitnami's defaults)
 * and what TLS and the AOF cost (against stock Redis).
 */
export const PAIRS: [ThroughputConfig, ThroughputConfig][] = [
    ["stock-same", "stock-same-twin"],
    ["rendered", "stock-same"],
    ["rendered", "bitnami"],
    ["rendered-save", "bitnami"],
    ["rendered-tls", "stock"],
    ["rendered", "stock"],
    ["rendered-no-aof", "stock"],
];

/** One cell of one pair: each round's two runs, made at the same time. */
export interface ThroughputPair {
    ours: ThroughputConfig;
    peer: ThroughputConfig;
    test: string;
    pipeline: number;
    size: number;
    /** Requests per run (pipelined cells send `pipeline` times as many). */
    requests: number;
    runs: { ours: CountedRun; peer: CountedRun }[];
}

/**
 * Every cell, every pair, `runs` rounds. The two clusters of a pair run side by side, so whatever
 * the machine does during a run (other load, the hypervisor's share, an AOF rewrite elsewhere)
 * it does to both; back-to-back runs of one cluster here differ by up to 2x (docs/performance.md).
 */
export async function benchThroughput(runs: number, requests: number, pairs = PAIRS): Promise<ThroughputPair[]> {
    const configs = [...new Set(pairs.flat())];
    return withClusters(configs, 30, async (clusters, caFile) => {
        const cluster = (config: ThroughputConfig) => clusters.find((c) => c.config === config)!;
        const results: ThroughputPair[] = [];
        for (const test of ["set", "get"]) {
            for (const pipeline of [1, 16]) {
                for (const size of [64, 1024]) {
                    const cells = pairs.map(([ours, peer]) => ({
                        ours,
                        peer,
                        test,
                        pipeline,
                        size,
                        requests: requests * pipeline,
                        runs: [],
                    }));
                    for (let r = 0; r < runs; r++) {
                        // Rotate which pair goes first, so none always meets a warmer or cooler machine.
                        for (let k = 0; k < cells.length; k++) {
                            const cell: ThroughputPair = cells[(r + k) % cells.length];
                            const [ours, peer] = await countedRuns(
                                [cluster(cell.ours), cluster(cell.peer)],
                                test,
                                pipeline,
                                size,
                                cell.requests,
                                caFile,
                                r,
                            );
                            cell.runs.push({ ours, peer });
                        }
                    }
                    results.push(...cells);
                }
            }
        }
        return results;
    });
}

/** `--throughput-pairs=ours/peer,...`: a subset of PAIRS; anything else is an error that lists them. */
export function throughputPairs(list: string): [ThroughputConfig, ThroughputConfig][] {
    const known = PAIRS.map((p) => p.join("/"));
    const unknown = list.split(",").filter((p) => !known.includes(p));
    if (unknown.length > 0) throw new Error(`--throughput-pairs: unknown ${unknown.join(", ")}; the pairs are ${known.join(", ")}`);
    return PAIRS.filter((p) => list.split(",").includes(p.join("/")));
}
