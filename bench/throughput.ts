// Throughput and latency of the rendered configuration against stock Redis settings, same shape
// (3 masters x 1 replica), same machine, same run: redis-benchmark --cluster, GET/SET, pipelined
// and not, two value sizes. On two cores the client competes with six servers for the CPU. The
// rendered prod settings run as prod does (TLS on, certificate from openssl), without TLS, and
// without TLS or the AOF, which shows what encryption and persistence cost. All clusters run at
// once (idle ones cost next to nothing) and every cell alternates between them, so drift in the
// machine's load does not favour whichever ran first.
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
import {
    BenchmarkCell,
    BenchmarkResult,
    CLUSTER_STOP_TICK_SECONDS,
    medianResult,
    runRedisBenchmark,
    stopTickError,
} from "./redis-benchmark";
import { printTable } from "./stats";
import { ACL_RULES } from "../components/redis/acl";
import { TLS_FILES, USERS } from "../components/settings/spec";
import { makeCertificate, TestCertificate } from "../testing/certificates";
import { engineFor } from "../local/engines";

export const PASSWORD = "ThroughputPw7a9c1e3b5d7f9a1c3e5b7d9f1a3c";

export type ThroughputConfig = "rendered-tls" | "rendered" | "rendered-no-aof" | "rendered-save" | "stock" | "stock-same" | "bitnami";
export const CONFIGS: ThroughputConfig[] = [
    "rendered-tls",
    "rendered",
    "rendered-no-aof",
    "rendered-save",
    "stock",
    "stock-same",
    "bitnami",
];

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
const STOCK_FLAGS: Partial<Record<ThroughputConfig, string[]>> = {
    stock: [],
    "stock-same": ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
    bitnami: [
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        REDIS_DEFAULT_SAVE.map((r) => `${r.seconds} ${r.changes}`).join(" "),
    ],
};
export interface ThroughputResult extends BenchmarkCell {
    config: ThroughputConfig;
    /** Requests per run (pipelined cells send `pipeline` times as many). */
    requests: number;
}

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
    const tls = caFile ? ["--tls", "--cacert", caFile] : [];
    const args = [...tls, "--cluster", "-h", seed, "-p", "6379", "--user", USERS.app, "-a", PASSWORD];
    args.push("-n", String(requests), "-c", String(clients), "-d", String(size), "-P", String(pipeline), "-r", "100000");
    return runRedisBenchmark(args, test, seed);
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

export async function benchThroughput(runs: number, requests: number): Promise<ThroughputResult[]> {
    return withClusters(CONFIGS, 30, async (clusters, caFile) => {
        const results: ThroughputResult[] = [];
        for (const test of ["set", "get"]) {
            for (const pipeline of [1, 16]) {
                for (const size of [64, 1024]) {
                    const samples = new Map(CONFIGS.map((c) => [c, [] as BenchmarkResult[]]));
                    for (let r = 0; r < runs; r++) {
                        // Rotate who goes first, so no configuration always meets a warmer or cooler machine.
                        for (let k = 0; k < clusters.length; k++) {
                            const c = clusters[(r + k) % clusters.length];
                            samples
                                .get(c.config)!
                                .push(
                                    redisBenchmark(
                                        c.nodes[0].ip,
                                        test,
                                        pipeline,
                                        size,
                                        requests * pipeline,
                                        c.config === "rendered-tls" ? caFile : undefined,
                                    ),
                                );
                        }
                    }
                    for (const [config, s] of samples) {
                        results.push({
                            config,
                            test,
                            pipeline,
                            size,
                            requests: requests * pipeline,
                            ...medianResult(s),
                        });
                    }
                }
            }
        }
        return results;
    });
}

export function printThroughput(results: ThroughputResult[]): void {
    const cell = (config: ThroughputConfig, r: ThroughputResult) =>
        results.find((s) => s.config === config && s.test === r.test && s.pipeline === r.pipeline && s.size === r.size)!;
    const rows = results
        .filter((r) => r.config === "rendered-tls")
        .map((r) => {
            const [plain, noAof, stock] = (["rendered", "rendered-no-aof", "stock"] as const).map((c) => cell(c, r));
            return [
                r.test.toUpperCase(),
                r.pipeline,
                r.size,
                Math.round(r.rps),
                Math.round(plain.rps),
                Math.round(noAof.rps),
                Math.round(stock.rps),
                (r.rps / stock.rps).toFixed(2),
                (plain.rps / stock.rps).toFixed(2),
                (noAof.rps / stock.rps).toFixed(2),
                `${r.p50}/${r.p99}`,
                `${plain.p50}/${plain.p99}`,
                `${stock.p50}/${stock.p99}`,
            ];
        });
    printTable(
        "Fair baseline: the same durability choices on both sides (median ops/s; ratios >= 0.95 / >= 1.0 are the goals)",
        [
            "test",
            "pipeline",
            "bytes",
            "rendered",
            "stock-same",
            "rendered/stock-same",
            "bitnami",
            "rendered-save",
            "rendered-save/bitnami",
            "rendered/bitnami",
        ],
        results
            .filter((r) => r.config === "rendered")
            .map((r) => {
                const [same, bitnami, withSave] = (["stock-same", "bitnami", "rendered-save"] as const).map((c) => cell(c, r));
                return [
                    r.test.toUpperCase(),
                    r.pipeline,
                    r.size,
                    Math.round(r.rps),
                    Math.round(same.rps),
                    (r.rps / same.rps).toFixed(2),
                    Math.round(bitnami.rps),
                    Math.round(withSave.rps),
                    (withSave.rps / bitnami.rps).toFixed(2),
                    (r.rps / bitnami.rps).toFixed(2),
                ];
            }),
    );
    printTable(
        "Throughput, redis-benchmark --cluster, 50 clients (median ops/s; latency p50/p99 ms)",
        [
            "test",
            "pipeline",
            "bytes",
            "TLS",
            "no TLS",
            "no TLS, no AOF",
            "stock",
            "TLS/stock",
            "no TLS/stock",
            "no AOF/stock",
            "TLS p50/p99",
            "no TLS p50/p99",
            "stock p50/p99",
        ],
        rows,
    );
    // The runs' length bounds how far apart two cells can read for the same work (see stopTickError).
    const shortest = results.map((r) => ({ r, ...stopTickError(r.requests, r.rps) })).reduce((a, b) => (b.seconds < a.seconds ? b : a));
    console.log(
        `redis-benchmark --cluster ends a run only at a ${CLUSTER_STOP_TICK_SECONDS * 1000} ms tick: the shortest run ` +
            `(${shortest.r.config} ${shortest.r.test.toUpperCase()} P${shortest.r.pipeline} ${shortest.r.size} B) lasted ` +
            `${shortest.seconds.toFixed(2)} s, so its rps may read up to ${Math.round(shortest.error * 100)} % low; ` +
            `ratios within that are noise (--throughput-requests sets the runs' length)`,
    );
}
