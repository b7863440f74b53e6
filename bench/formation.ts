// Formation speed: from "every node answers" to "cluster_state:ok everywhere with every replica
// linked", ours against `redis-cli --cluster create --cluster-replicas 1` plus the same wait, on
// the same nodes, alternating, in one run.
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

const SETTLE_MS = 2500;
const PASSWORD = "BenchPw5c7e9a1c3e5b7d9f1a3c5e7b9d1f3a5c";

async function waitHealthy(nodes: FormationNode[], clients: Map<string, Redis>): Promise<void> {
    await waitFor(
        "a healthy cluster",
        120000,
        async () => {
            const states = await Promise.all(nodes.map((n) => inspect(n, clients.get(n.name)!)));
            return states.every((s) => s.clusterState === "ok" && (!s.myself.flags.includes("slave") || s.masterLinkUp)) ? true : undefined;
        },
        20,
    );
}

function redisCliCreate(nodes: FormationNode[]): Promise<void> {
    return new Promise((resolve, reject) => {
        const p = spawn(
            "redis-cli",
            [
                "--user",
                "admin",
                "--cluster",
                "create",
                ...nodes.map((n) => `${n.ip}:${n.port}`),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            { env: { ...process.env, REDISCLI_AUTH: PASSWORD }, stdio: ["ignore", "ignore", "pipe"] },
        );
        let err = "";
        p.stderr!.on("data", (d) => (err += d));
        p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}: ${err}`))));
    });
}

export interface FormationBench {
    nodes: number;
    runs: number;
    oursMs: number[];
    redisCliMs: number[];
    ratio: number;
}

export async function benchFormation(count: number, runs: number, firstOctet = 5): Promise<FormationBench> {
    const objects = buildAllObjects(
        resolveSpec({
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            storage: { size: "1Gi", storageClass: "" },
            redis: { maxmemory: "128mb", ioThreads: 1 },
        }),
        PASSWORD,
    );
    const nodes: FormationNode[] = Array.from({ length: count }, (_, i) => ({
        name: `redis-cluster-${i}`,
        ip: `127.0.${firstOctet}.${i + 1}`,
        port: 6379,
        host: `host-${i}`,
        zone: `zone-${i % 3}`,
    }));
    const shape = { shards: count / 2, replicasPerShard: 1 };
    const ours: number[] = [];
    const cli: number[] = [];
    for (let run = 0; run < runs; run++) {
        for (const tool of run % 2 === 0 ? ["ours", "cli"] : ["cli", "ours"]) {
            // Fresh processes and volumes every time, as new pods would be.
            const pods: LocalPod[] = nodes.map((n, i) => startRedisPod(objects, i, n.ip, PASSWORD));
            let clients = new Map<string, Redis>();
            try {
                clients = await connectAll(nodes, PASSWORD, 30000);
                // Redis reports cluster_state:ok no sooner than 2 s after it starts, whoever forms
                // it. Pods pass their readiness probe (every 5 s) before formation runs, so in
                // production the nodes are always older than that; measure from there.
                await sleep(SETTLE_MS);
                const t0 = process.hrtime.bigint();
                if (tool === "ours") await formCluster(nodes, shape, { password: PASSWORD, readyTimeoutMs: 30000, nodeTimeoutMs: 5000 });
                else await redisCliCreate(nodes);
                await waitHealthy(nodes, clients);
                (tool === "ours" ? ours : cli).push(Number(process.hrtime.bigint() - t0) / 1e6);
            } finally {
                clients.forEach((c) => c.disconnect());
                await Promise.all(pods.map((p) => p.stop()));
                pods.forEach((p) => fs.rmSync(p.root, { recursive: true, force: true }));
            }
        }
    }
    return { nodes: count, runs, oursMs: ours, redisCliMs: cli, ratio: median(ours) / median(cli) };
}

export function printFormation(results: FormationBench[]): void {
    printTable(
        "Cluster formation: all nodes answer -> cluster ok, replicas linked (median ms)",
        ["nodes", "runs", "ours", "redis-cli", "ours/redis-cli"],
        results.map((r) => [r.nodes, r.runs, median(r.oursMs).toFixed(0), median(r.redisCliMs).toFixed(0), r.ratio.toFixed(2)]),
    );
}
