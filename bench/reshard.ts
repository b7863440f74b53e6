// Resharding speed: adding a fourth shard to a 3-master cluster holding 1,000,000 small keys.
// Ours (formation with shards 4: meet, designate, pipelined migration) against `redis-cli
// --cluster add-node` plus `redis-cli --cluster rebalance --cluster-use-empty-masters`, on the
// same data, alternating, in one run. Reported as keys moved per second of the whole operation.
import { spawn } from "child_process";
import * as fs from "fs";
import type Redis from "ioredis";
import { formCluster } from "../components/formation/live/formation";
import type { FormationNode } from "../components/formation/types";
import { connectAll, inspect, sleep, waitFor } from "../components/formation/live/redis-client";
import { buildAllObjects } from "../components/kubernetes";
import { resolveSpec } from "../components/settings/spec";
import { LocalPod, startRedisPod } from "../testing/redis-pod";
import { median, printTable } from "./stats";

const keySlot: (key: string) => number = require("cluster-key-slot");
const PASSWORD = "BenchPw9e1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e";
const ip = (i: number) => `127.0.30.${i + 1}`;

export interface ReshardBench {
    keys: number;
    runs: number;
    oursMs: number[];
    redisCliMs: number[];
    movedKeys: number[];
    ratio: number;
}

function run(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const p = spawn("redis-cli", ["--user", "admin", ...args], {
            env: { ...process.env, REDISCLI_AUTH: PASSWORD },
            stdio: ["pipe", "pipe", "pipe"],
        });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("exit", (code) =>
            code === 0 ? resolve(out) : reject(new Error(`redis-cli ${args.join(" ")} exited ${code}: ${out.slice(-2000)}`)),
        );
        p.stdin.end(input ?? "");
    });
}

/** Writes `count` keys, each straight to its slot's master, with redis-cli --pipe. */
async function load(masters: { ip: string; ranges: [number, number][] }[], count: number): Promise<void> {
    const batches = masters.map(() => [] as string[]);
    for (let i = 0; i < count; i++) {
        const key = `key:${i}`;
        const slot = keySlot(key);
        const m = masters.findIndex((x) => x.ranges.some(([a, b]) => slot >= a && slot <= b));
        const value = `value-${i}`;
        batches[m].push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`);
    }
    await Promise.all(masters.map((m, i) => run(["-h", m.ip, "--pipe"], batches[i].join(""))));
}

async function waitHealthy(nodes: FormationNode[], clients: Map<string, Redis>): Promise<void> {
    await waitFor(
        "a healthy, agreed cluster",
        300000,
        async () => {
            const states = await Promise.all(nodes.map((n) => inspect(n, clients.get(n.name)!)));
            const open = states.some((s) => s.myself.migrating.length + s.myself.importing.length > 0);
            return !open && states.every((s) => s.clusterState === "ok") ? true : undefined;
        },
        20,
    );
}

export async function benchReshard(keys: number, runs: number): Promise<ReshardBench> {
    const objects = buildAllObjects(
        resolveSpec({
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "2Gi" } },
            storage: { size: "4Gi", storageClass: "" },
            redis: { maxmemory: "1gb", ioThreads: 1, appendonly: false },
        }),
        PASSWORD,
    );
    const nodes: FormationNode[] = Array.from({ length: 4 }, (_, i) => ({
        name: `redis-cluster-${i}`,
        ip: ip(i),
        port: 6379,
        host: "",
        zone: "",
    }));
    const ours: number[] = [];
    const cli: number[] = [];
    const moved: number[] = [];
    for (let r = 0; r < runs; r++) {
        for (const tool of r % 2 === 0 ? ["ours", "cli"] : ["cli", "ours"]) {
            const pods: LocalPod[] = nodes.map((n, i) => startRedisPod(objects, i, n.ip, PASSWORD));
            let clients = new Map<string, Redis>();
            try {
                clients = await connectAll(nodes, PASSWORD, 30000);
                await sleep(2500);
                const first = nodes.slice(0, 3);
                await formCluster(
                    first,
                    { shards: 3, replicasPerShard: 0 },
                    { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: 5000 },
                );
                await load(
                    [
                        [0, 5461],
                        [5462, 10922],
                        [10923, 16383],
                    ].map((range, i) => ({ ip: ip(i), ranges: [range as [number, number]] })),
                    keys,
                );
                const before = Number(await clients.get(nodes[3].name)!.dbsize());
                const t0 = process.hrtime.bigint();
                if (tool === "ours") {
                    await formCluster(
                        nodes,
                        { shards: 4, replicasPerShard: 0 },
                        { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: 5000 },
                    );
                } else {
                    await run(["--cluster", "add-node", `${ip(3)}:6379`, `${ip(0)}:6379`]);
                    await waitHealthy(nodes, clients);
                    await run(["--cluster", "rebalance", `${ip(0)}:6379`, "--cluster-use-empty-masters"]);
                }
                await waitHealthy(nodes, clients);
                (tool === "ours" ? ours : cli).push(Number(process.hrtime.bigint() - t0) / 1e6);
                const after = Number(await clients.get(nodes[3].name)!.dbsize());
                moved.push(after - before);
            } finally {
                clients.forEach((c) => c.disconnect());
                await Promise.all(pods.map((p) => p.stop()));
                pods.forEach((p) => fs.rmSync(p.root, { recursive: true, force: true }));
            }
        }
    }
    return { keys, runs, oursMs: ours, redisCliMs: cli, movedKeys: moved, ratio: median(cli) / median(ours) };
}

export function printReshard(r: ReshardBench): void {
    const movedKeys = median(r.movedKeys);
    printTable(
        `Adding a 4th shard to 3 masters holding ${r.keys} keys (median of ${r.runs})`,
        ["tool", "ms", "keys moved", "keys/s"],
        [
            ["ours", median(r.oursMs).toFixed(0), movedKeys, (movedKeys / (median(r.oursMs) / 1000)).toFixed(0)],
            [
                "redis-cli add-node + rebalance",
                median(r.redisCliMs).toFixed(0),
                movedKeys,
                (movedKeys / (median(r.redisCliMs) / 1000)).toFixed(0),
            ],
        ],
    );
    console.log(`ours is ${r.ratio.toFixed(1)}x redis-cli`);
}
